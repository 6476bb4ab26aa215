import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './open-database.ts';

const root = await mkdtemp(join(tmpdir(), 'keel-open-database-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('uses WAL, synchronous NORMAL, foreign keys and the busy timeout by default', () => {
    const db = openDatabase({ path: join(root, 'normal.db'), durability: 'normal', busyTimeoutMs: 1234 });
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 });
    expect(db.prepare('PRAGMA foreign_keys').get()).toEqual({ foreign_keys: 1 });
    expect(db.prepare('PRAGMA busy_timeout').get()).toEqual({ timeout: 1234 });
    db.close();
  });

  it('syncs every commit with durability full', () => {
    const db = openDatabase({ path: join(root, 'full.db'), durability: 'full', busyTimeoutMs: 1000 });
    expect(db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 2 });
    db.close();
  });
});
