import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as keel from './index.ts';

describe('the public API', () => {
  it('exports exactly the curated runtime values', () => {
    expect(Object.keys(keel).sort()).toEqual(
      [
        'KeelError',
        'TransientToolError',
        'configFileNames',
        'costOf',
        'countTokens',
        'createLogger',
        'createRuntime',
        'openRuntime',
        'openStoreFromEnv',
        'applyLimitsFromEnv',
        'createEngine',
        'createVault',
        'vaultFromEnv',
        'generateMasterKey',
        'parseMasterKeyring',
        'rotateMasterKey',
        'recordAudit',
        'verifyAuditLog',
        'readAuditPages',
        'pruneAuditLog',
        'systemActor',
        'setBudget',
        'deleteBudget',
        'budgetView',
        'createSqliteStore',
        'defineAgent',
        'defineConfig',
        'defineGuardrail',
        'sweepApprovals',
        'setApprovalPolicy',
        'defineTool',
        'errorCatalogue',
        'estimateCost',
        'loadConfig',
        'openStore',
        'priceOf',
        'resolveModel',
      ].sort(),
    );
  });

  it('names every export explicitly (no export *)', async () => {
    const source = await readFile(join(import.meta.dirname, 'index.ts'), 'utf8');
    expect(source).not.toMatch(/export\s*(type\s*)?\*/);
  });
});
