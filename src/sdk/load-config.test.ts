import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const sdk = (file: string) => pathToFileURL(join(import.meta.dirname, file)).href;

/**
 * loadConfig runs in a child Node process on purpose: inside the test runner, dynamic imports go
 * through its own TypeScript transform, which would accept syntax (an enum) that Node's type
 * stripping rejects. The CLI imports configs with plain Node, so that is what is tested.
 */
async function loadIn(cwd: string, path?: string): Promise<LoadResult> {
  const script = `
    const { loadConfig } = await import(${JSON.stringify(sdk('load-config.ts'))});
    try {
      const { config, path } = await loadConfig(JSON.parse(process.env.LOAD_OPTIONS));
      console.log(JSON.stringify({ path, agents: [...config.agents.keys()] }));
    } catch (error) {
      console.log(JSON.stringify({ error: { name: error.name, code: error.code, message: error.message } }));
    }`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, LOAD_OPTIONS: JSON.stringify({ cwd, path }) },
  });
  return JSON.parse(stdout) as LoadResult;
}

type LoadResult = { path: string; agents: string[]; error?: undefined } | { error: { name: string; code: string; message: string } };

const agentSource = (name: string) => `
  import { defineAgent } from ${JSON.stringify(sdk('define-agent.ts'))};
  import { defineConfig } from ${JSON.stringify(sdk('define-config.ts'))};
  const agent = defineAgent({ name: ${JSON.stringify(name)}, model: 'openai:gpt-4o-mini', instructions: 'Help.' });
`;

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keel-load-config-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('loads a TypeScript config with type annotations, without a build step', async () => {
    await writeFile(
      join(directory, 'keel.config.ts'),
      `${agentSource('support')}
      const label: string = 'typed';
      interface Unused { x: number }
      export default defineConfig({ agents: [agent] }) satisfies { kind: 'keel.config' };`,
    );
    const result = await loadIn(directory);
    expect(result).toEqual({ path: join(directory, 'keel.config.ts'), agents: ['support'] });
  });

  it('loads a .mjs config', async () => {
    await writeFile(join(directory, 'keel.config.mjs'), `${agentSource('billing')} export default defineConfig({ agents: [agent] });`);
    expect(await loadIn(directory)).toEqual({ path: join(directory, 'keel.config.mjs'), agents: ['billing'] });
  });

  it('prefers keel.config.ts over the other names', async () => {
    await writeFile(join(directory, 'keel.config.mjs'), `${agentSource('from-mjs')} export default defineConfig({ agents: [agent] });`);
    await writeFile(join(directory, 'keel.config.ts'), `${agentSource('from-ts')} export default defineConfig({ agents: [agent] });`);
    expect(await loadIn(directory)).toMatchObject({ agents: ['from-ts'] });
  });

  it('loads an explicit path relative to cwd, and looks inside an explicit directory', async () => {
    await mkdir(join(directory, 'agents'));
    await writeFile(join(directory, 'agents', 'custom.mts'), `${agentSource('custom')} export default defineConfig({ agents: [agent] });`);
    await writeFile(join(directory, 'agents', 'keel.config.js'), `${agentSource('in-dir')} export default defineConfig({ agents: [agent] });`);
    expect(await loadIn(directory, 'agents/custom.mts')).toEqual({ path: join(directory, 'agents', 'custom.mts'), agents: ['custom'] });
    expect(await loadIn(directory, 'agents')).toMatchObject({ agents: ['in-dir'] });
  });

  it('reports CONFIG_NOT_FOUND with the names it looked for', async () => {
    const result = await loadIn(directory);
    expect(result.error).toMatchObject({ name: 'KeelError', code: 'CONFIG_NOT_FOUND' });
    for (const name of ['keel.config.ts', 'keel.config.mts', 'keel.config.js', 'keel.config.mjs']) {
      expect(result.error?.message).toContain(name);
    }
  });

  it('reports CONFIG_NOT_FOUND for a missing explicit path', async () => {
    const result = await loadIn(directory, 'nowhere/keel.config.ts');
    expect(result.error).toMatchObject({ code: 'CONFIG_NOT_FOUND' });
    expect(result.error?.message).toContain(join(directory, 'nowhere', 'keel.config.ts'));
  });

  it('reports CONFIG_INVALID with the underlying reason when the config throws', async () => {
    await writeFile(join(directory, 'keel.config.ts'), `${agentSource('has spaces')} export default defineConfig({ agents: [agent] });`);
    const result = await loadIn(directory);
    expect(result.error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(result.error?.message).toContain('AGENT_INVALID');
    expect(result.error?.message).toContain('Agent "has spaces": name must start with a letter or digit');
  });

  it('reports CONFIG_INVALID when the default export is not a config', async () => {
    await writeFile(join(directory, 'keel.config.mjs'), `export default { agents: [] };`);
    const result = await loadIn(directory);
    expect(result.error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(result.error?.message).toContain('must be the result of defineConfig');
    expect(result.error?.message).toContain('an object with keys agents');

    await writeFile(join(directory, 'keel.config.mjs'), `export const config = 1;`);
    expect((await loadIn(directory)).error?.message).toContain('got no default export');
  });

  it('explains erasable syntax when a TypeScript config uses an enum', async () => {
    await writeFile(
      join(directory, 'keel.config.ts'),
      `${agentSource('support')}\nenum Tier { Free, Paid }\nexport default defineConfig({ agents: [agent] });`,
    );
    const result = await loadIn(directory);
    expect(result.error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(result.error?.message).toContain('enum is not supported');
    expect(result.error?.message).toContain('erasable syntax');
    expect(result.error?.message).toContain(`${join(directory, 'keel.config.ts')}:6`);
  });

  it('says what to do when a commonjs package makes an ES module config load as CommonJS', async () => {
    await writeFile(join(directory, 'package.json'), JSON.stringify({ type: 'commonjs' }));
    await writeFile(join(directory, 'keel.config.ts'), `${agentSource('support')}\nexport default defineConfig({ agents: [agent] });`);
    const result = await loadIn(directory);
    expect(result.error).toMatchObject({ code: 'CONFIG_INVALID' });
    const message = result.error?.message ?? '';
    expect(message).toContain(`${join(directory, 'package.json')} says "type": "commonjs", so Node loads it as CommonJS`);
    expect(message).toContain(`Set "type": "module" in ${join(directory, 'package.json')}, or rename it to keel.config.mts`);
    expect(message).toContain(`at ${join(directory, 'keel.config.ts')}:2`);
    expect(message).not.toContain('erasable');

    await rm(join(directory, 'keel.config.ts'));
    await writeFile(join(directory, 'keel.config.js'), `${agentSource('support')}\nexport default defineConfig({ agents: [agent] });`);
    expect((await loadIn(directory)).error?.message).toContain('or rename it to keel.config.mjs');
  });

  it('gives the file and line of a syntax error in a TypeScript config, without the erasable-syntax hint', async () => {
    await writeFile(join(directory, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(join(directory, 'keel.config.ts'), `${agentSource('support')}\nexport default defineConfig({ agents: [agent] ;`);
    const result = await loadIn(directory);
    expect(result.error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(result.error?.message).toContain(`syntax error at ${join(directory, 'keel.config.ts')}:6`);
    expect(result.error?.message).toContain('fix the code there');
    expect(result.error?.message).not.toContain('erasable');
  });

  it('gives the file and line of a syntax error in a JavaScript config, and tells a broken import from a broken config', async () => {
    await writeFile(join(directory, 'keel.config.mjs'), `${agentSource('support')}\nexport default defineConfig({ agents: [agent] ;`);
    const broken = await loadIn(directory);
    expect(broken.error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(broken.error?.message).toContain(`syntax error at ${join(directory, 'keel.config.mjs')}:6`);

    await writeFile(join(directory, 'tools.mjs'), `export const tools = [;\n`);
    await writeFile(join(directory, 'keel.config.mjs'), `import './tools.mjs';\n${agentSource('support')}\nexport default defineConfig({ agents: [agent] });`);
    const imported = await loadIn(directory);
    expect(imported.error?.message).toContain('a module it imports has a syntax error');
    expect(imported.error?.message).toContain('keel.config.mjs itself parses');
  });

  it('names a missing export, and where a SyntaxError the config threw came from, without calling either a syntax error', async () => {
    await writeFile(
      join(directory, 'keel.config.ts'),
      `import { nothing } from 'node:fs';\n${agentSource('support')}\nexport default defineConfig({ agents: [agent] });`,
    );
    const missing = await loadIn(directory);
    expect(missing.error?.message).toContain(
      `The requested module 'node:fs' does not provide an export named 'nothing' at ${join(directory, 'keel.config.ts')}:1`,
    );
    expect(missing.error?.message).not.toContain('syntax error');

    await writeFile(join(directory, 'keel.config.ts'), `${agentSource('support')}\nJSON.parse('{');\nexport default defineConfig({ agents: [agent] });`);
    const thrown = await loadIn(directory);
    expect(thrown.error?.message).toContain(`(thrown at ${join(directory, 'keel.config.ts')}:6)`);
    expect(thrown.error?.message).not.toContain('syntax error');
  });

  it('rejects an explicit file with an unsupported extension', async () => {
    await writeFile(join(directory, 'keel.json'), '{}');
    expect((await loadIn(directory, 'keel.json')).error).toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
