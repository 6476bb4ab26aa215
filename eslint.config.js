import tseslint from 'typescript-eslint';

/** The engine takes what it needs as options: it reads no environment and no host identity (the composition root, src/keel.ts, does). */
const engineIsolation = {
  'no-restricted-globals': ['error', { name: 'process', message: 'The engine reads no environment: take the value as an option (wired in src/keel.ts).' }],
  'no-restricted-imports': [
    'error',
    {
      paths: ['node:process', 'process', 'node:os', 'os'].map((name) => ({
        name,
        message: 'The engine reads no environment or host identity: take the value as an option (wired in src/keel.ts).',
      })),
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'dashboard/**', '.keel/**', 'test/fixtures/layering/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': 'error',
    },
  },
  {
    files: ['src/engine/**/*.ts', 'test/fixtures/layering/src/engine/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: engineIsolation,
  },
);
