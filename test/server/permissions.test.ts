import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissions, rolePermissions } from '../../src/server/auth/permissions.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { apiKeyRoles, type ApiKeyRole } from '../../src/store/api-key-store.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

interface Row {
  permission: string;
  roles: ApiKeyRole[];
  endpoints: string[];
}

/** The matrix as docs/permissions.md writes it. */
async function documentedMatrix(): Promise<Row[]> {
  const text = await readFile(join(import.meta.dirname, '..', '..', 'docs', 'permissions.md'), 'utf8');
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    const cells = /^\|\s*`([a-z]+:[a-z]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (cells === null) continue;
    const [grants = '', endpoints = ''] = [cells[2]?.split('|').slice(0, 4).join('|'), cells[2]?.split('|').slice(4).join('|')];
    const flags = grants.split('|').map((cell) => cell.trim());
    rows.push({
      permission: cells[1] ?? '',
      roles: apiKeyRoles.filter((_role, index) => flags[index] === 'yes'),
      endpoints: [...endpoints.matchAll(/`([A-Z]+ [^`]+)`/g)].map((match) => match[1] ?? ''),
    });
  }
  return rows;
}

interface Operation {
  method: string;
  path: string;
  permission: string;
}

let api: TestApi;
let operations: Operation[];

beforeAll(async () => {
  api = await createTestApi({ agents: [defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })] });
  const document = (await (await api.request('GET', '/openapi.json', { key: null })).json()) as {
    paths: Record<string, Record<string, { 'x-keel-permission'?: string }>>;
  };
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, permission: operation['x-keel-permission'] ?? '(none)' })),
  );
});

afterAll(async () => {
  await api.close();
});

describe('the permission matrix', () => {
  it('is the same in docs/permissions.md and in the code', async () => {
    const documented = await documentedMatrix();
    expect(documented.map((row) => row.permission).sort()).toEqual([...permissions].sort());
    for (const row of documented) {
      expect({ permission: row.permission, roles: row.roles }).toEqual({
        permission: row.permission,
        roles: apiKeyRoles.filter((role) => (rolePermissions[role] as readonly string[]).includes(row.permission)),
      });
    }
  });

  it('lists every endpoint under the permission it demands, and only existing endpoints', async () => {
    const documented = await documentedMatrix();
    const protectedOperations = operations.filter((operation) => operation.permission !== 'public');
    expect(protectedOperations.map((operation) => `${operation.method} ${operation.path}`).sort()).toEqual(documented.flatMap((row) => row.endpoints).sort());
    for (const operation of protectedOperations) {
      expect(documented.find((row) => row.permission === operation.permission)?.endpoints, operation.permission).toContain(
        `${operation.method} ${operation.path}`,
      );
    }
    expect(
      operations
        .filter((operation) => operation.permission === 'public')
        .map((operation) => operation.path)
        .sort(),
    ).toEqual(['/healthz', '/oauth/{provider}/callback', '/openapi.json', '/readyz']);
  });

  it('is enforced: every role gets 403 from exactly the endpoints whose permission it lacks', async () => {
    expect(operations.length).toBeGreaterThan(10);
    for (const operation of operations.filter((candidate) => candidate.permission !== 'public')) {
      const path = operation.path.replace('{scope}', 'user').replace(/\{[^}]+\}/g, 'unknown-id');
      for (const role of apiKeyRoles) {
        const response = await api.request(operation.method, path, { key: api.keys[role] });
        const allowed = (rolePermissions[role] as readonly string[]).includes(operation.permission);
        const body = (await response.json().catch(() => ({}))) as { error?: { code?: string } };
        expect({ endpoint: `${operation.method} ${operation.path}`, role, forbidden: response.status === 403 }).toEqual({
          endpoint: `${operation.method} ${operation.path}`,
          role,
          forbidden: !allowed,
        });
        if (!allowed) expect(body.error?.code).toBe('FORBIDDEN');
      }
    }
  });
});
