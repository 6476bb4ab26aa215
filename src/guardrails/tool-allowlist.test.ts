import { describe, expect, it } from 'vitest';
import { toolAllowlist } from './tool-allowlist.ts';
import { check, contextFor, toolCallSubject } from './test-helpers.ts';

describe('toolAllowlist', () => {
  it('runs listed tools and refuses others, telling the model to answer without them', async () => {
    const guardrail = toolAllowlist({ tools: ['lookup_order', 'issue_refund'] });
    expect(await check(guardrail, toolCallSubject('lookup_order', { orderId: '1001' }))).toEqual({ verdict: 'allow' });
    expect(await check(guardrail, toolCallSubject('delete_account', { userId: 'u1' }))).toEqual({
      verdict: 'block',
      reason: 'The tool delete_account is not allowed for this agent. Do not call it again; answer without it.',
    });
  });

  it("narrows the list per tenant: a tenant's list never widens the agent's", async () => {
    const guardrail = toolAllowlist({ tools: ['lookup_order', 'issue_refund'], byTenant: { acme: ['lookup_order', 'delete_account'] } });
    const acme = contextFor({ tenantId: 'acme' });
    const globex = contextFor({ tenantId: 'globex' });
    expect(await check(guardrail, toolCallSubject('lookup_order', {}), acme)).toEqual({ verdict: 'allow' });
    expect(await check(guardrail, toolCallSubject('issue_refund', {}), acme)).toEqual({
      verdict: 'block',
      reason: 'The tool issue_refund is not enabled for this account. Do not call it again; answer without it.',
    });
    expect(await check(guardrail, toolCallSubject('delete_account', {}), acme)).toMatchObject({
      verdict: 'block',
      reason: expect.stringContaining('for this agent'),
    });
    // A tenant without a list gets the agent's.
    expect(await check(guardrail, toolCallSubject('issue_refund', {}), globex)).toEqual({ verdict: 'allow' });
  });

  it('takes functions of the run, per agent and per tenant', async () => {
    const guardrail = toolAllowlist({
      tools: (context) => (context.agent === 'support' ? ['lookup_order', 'issue_refund'] : ['lookup_order']),
      byTenant: (context) => (context.tenantId.startsWith('trial-') ? ['lookup_order'] : undefined),
    });
    expect(await check(guardrail, toolCallSubject('issue_refund', {}), contextFor({ agent: 'support' }))).toEqual({ verdict: 'allow' });
    expect(await check(guardrail, toolCallSubject('issue_refund', {}), contextFor({ agent: 'sales' }))).toMatchObject({ verdict: 'block' });
    expect(await check(guardrail, toolCallSubject('issue_refund', {}), contextFor({ agent: 'support', tenantId: 'trial-7' }))).toMatchObject({
      verdict: 'block',
      reason: expect.stringContaining('not enabled for this account'),
    });
  });

  it('refuses options that are not lists of tool names', () => {
    expect(() => toolAllowlist({} as never)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('tools is required') }),
    );
    expect(() => toolAllowlist({ tools: 'lookup_order' as never })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => toolAllowlist({ tools: [], byTenant: { acme: [''] } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('byTenant.acme') }),
    );
  });
});
