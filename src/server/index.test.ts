import { describe, expect, it } from 'vitest';
import * as server from './index.ts';

describe('keel/server', () => {
  it('exports exactly the curated runtime values', () => {
    expect(Object.keys(server).sort()).toEqual(['createApiKey', 'createApp', 'hashApiKey', 'permissions', 'registerRoute', 'rolePermissions', 'startServer']);
  });
});
