import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRuntime } from '../../src/keel.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineConfig } from '../../src/sdk/define-config.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { rateRun } from '../../src/oversight/run-feedback.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { createApp } from '../../src/server/app.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { describePostgres, testDatabaseUrl } from '../../src/store/postgres/postgres-test-database.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { refundOnceApproved } from './refund-tool.ts';

/**
 * `DELETE /v1/sessions/{id}` erases the conversation everywhere it is stored: after it, no table
 * of the store — read directly, every row of every table — holds any of the conversation's text
 * (the user's message, the model's answers, the tool's arguments and result, streamed deltas,
 * the cached answer, an approval's arguments and its reviewer's reason, an escalation's handoff
 * and the human's reply, the user's feedback), while another session's text is still there.
 */
const secret = {
  input: 'ERASE-ME-INPUT my card is 4111 1111 1111 1111',
  toolArgument: 'ERASE-ME-ARGUMENT',
  toolResult: 'ERASE-ME-RESULT',
  answer: 'ERASE-ME-ANSWER',
  resultStatus: 'ERASE-ME-STATUS',
  resultRecipient: 'erase-me@example.com',
  // What people wrote or saw about the conversation: an approval's arguments and its reviewer's
  // reason, an escalation's handoff (the user's words) and the human's reply, the user's feedback.
  approvalArgument: 'ERASE-ME-APPROVAL-ARGUMENT',
  decisionReason: 'ERASE-ME-DECISION-REASON',
  escalationInput: 'ERASE-ME-ESCALATION-INPUT',
  reply: 'ERASE-ME-HUMAN-REPLY',
  correction: 'ERASE-ME-CORRECTION',
  comment: 'ERASE-ME-COMMENT',
};

function agentWith(turns: Parameters<typeof scriptedModel>[0]) {
  const lookup = defineTool({
    name: 'lookup',
    description: 'Look something up',
    input: z.object({ query: z.string() }),
    effect: 'read',
    // `status` and `to` are also names of Keel's own fields: in a tool's result they are content all the same.
    execute: ({ query }) => ({ found: `${secret.toolResult} for ${query}`, status: secret.resultStatus, to: secret.resultRecipient }),
  });
  return defineAgent({
    name: 'keeper',
    model: scriptedModel(turns, { stream: true, chunkSize: 3 }),
    instructions: 'Help.',
    tools: [lookup, refundOnceApproved],
    escalation: {},
    cache: { ttlMs: 60_000 },
    modelSettings: { temperature: 0 },
  });
}

async function converse(store: Store): Promise<{ erase: () => Promise<Response>; keptRunId: string; erasedRunId: string }> {
  const agent = agentWith([
    { toolCalls: [{ name: 'lookup', arguments: { query: secret.toolArgument } }] },
    { text: `${secret.answer}: done` },
    { text: 'KEEP-ME-ANSWER' },
    { toolCalls: [{ name: 'refund', arguments: { note: secret.approvalArgument } }] },
    { text: 'The refund was not approved.' },
  ]);
  const runtime = createRuntime({ config: defineConfig({ agents: [agent] }), store, logger: createSilentLogger(), env: {} });
  cleanups.push(() => runtime.close());
  const erased = await runtime.run({
    agent: 'keeper',
    input: secret.input,
    userId: 'ana',
    sessionId: 'private',
    tenantId: 'acme',
    metadata: { channel: 'web' },
  });
  expect(erased.status).toBe('completed');
  const kept = await runtime.run({ agent: 'keeper', input: 'KEEP-ME-INPUT', userId: 'ben', sessionId: 'other', tenantId: 'acme' });
  expect(kept.status).toBe('completed');

  const gated = await runtime.run({ agent: 'keeper', input: 'Refund me', userId: 'ana', sessionId: 'private', tenantId: 'acme' });
  const [approval] = (await store.listApprovals('acme', { runId: gated.id })).approvals;
  const reviewer = { kind: 'cli' as const, name: 'rita' };
  await runtime.decideApproval(approval!.id, { decision: 'reject', reason: secret.decisionReason }, { tenantId: 'acme', actor: reviewer });
  expect((await runtime.executeRun(gated.id, { tenantId: 'acme' })).status).toBe('completed');

  const handed = await runtime.run({
    agent: 'keeper',
    input: `Can I talk to a real person please? ${secret.escalationInput}`,
    userId: 'ana',
    sessionId: 'private',
    tenantId: 'acme',
  });
  expect(handed.waitingReason).toBe('human');
  const [escalation] = (await store.listEscalations('acme', { runId: handed.id })).escalations;
  await runtime.replyToEscalation(escalation!.id, { message: secret.reply }, { tenantId: 'acme', actor: reviewer });
  await runtime.resolveEscalation(escalation!.id, {}, { tenantId: 'acme', actor: reviewer });
  await rateRun(store, { tenantId: 'acme', runId: erased.id, rating: -1, correction: secret.correction, comment: secret.comment, now: new Date() });
  const app = createApp({ runtime, logger: createSilentLogger() });
  const { key } = await createApiKey(store, { tenantId: 'acme', role: 'admin', name: 'admin' });
  return {
    erase: async () => await app.request('/v1/sessions/private', { method: 'DELETE', headers: { authorization: `Bearer ${key}` } }),
    keptRunId: kept.id,
    erasedRunId: erased.id,
  };
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function expectErased(dump: string): void {
  for (const text of Object.values(secret)) expect(dump).not.toContain(text);
  // The card number in any spelling; its first digits alone would match a random id now and then.
  expect(dump).not.toMatch(/4111[ -]?1111[ -]?1111[ -]?1111/);
  // The other session's conversation is untouched, and the erased runs are still accounted for.
  expect(dump).toContain('KEEP-ME-INPUT');
  expect(dump).toContain('KEEP-ME-ANSWER');
}

describe('session deletion on SQLite', () => {
  it("leaves none of the conversation's text in any table", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-erase-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const path = join(directory, 'keel.db');
    const store = createSqliteStore({ path });
    await store.migrate();
    cleanups.push(() => store.close());
    const { erase, erasedRunId } = await converse(store);

    const before = dumpSqlite(path);
    for (const text of Object.values(secret)) expect(before).toContain(text);
    expect(dumpSqlite(path, 'model_response_cache')).toContain(secret.answer);
    expect((await erase()).status).toBe(204);
    expectErased(dumpSqlite(path));
    expect(await store.getRun('acme', erasedRunId)).toMatchObject({ status: 'completed', erasedAt: expect.any(String), costUsd: expect.any(Number) });
  });
});

await describePostgres('session deletion on PostgreSQL', (schemas) => {
  it("leaves none of the conversation's text in any table", async () => {
    const schema = await schemas.create();
    const store = createPostgresStore({ connectionString: testDatabaseUrl, schema });
    await store.migrate();
    cleanups.push(() => store.close());
    const { erase } = await converse(store);

    const before = await dumpPostgres(schema);
    for (const text of Object.values(secret)) expect(before).toContain(text);
    expect((await erase()).status).toBe(204);
    expectErased(await dumpPostgres(schema));
  });
});

/** Every row of every table (or of one), as text. */
function dumpSqlite(path: string, only?: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).filter(
      (table) => only === undefined || table.name === only,
    );
    if (only === undefined)
      expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(['runs', 'journal', 'session_messages', 'model_response_cache', 'usage']));
    return tables.map((table) => JSON.stringify(db.prepare(`SELECT * FROM "${table.name}"`).all())).join('\n');
  } finally {
    db.close();
  }
}

async function dumpPostgres(schema: string): Promise<string> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    expect(tables.map((table) => table.table_name)).toEqual(expect.arrayContaining(['runs', 'journal', 'session_messages', 'model_response_cache', 'usage']));
    const dumps: string[] = [];
    for (const table of tables) dumps.push(JSON.stringify((await client.query(`SELECT * FROM "${schema}"."${table.table_name}"`)).rows));
    return dumps.join('\n');
  } finally {
    await client.end();
  }
}
