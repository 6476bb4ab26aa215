import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toolArguments } from './tool-arguments.ts';
import { check, contextFor, toolCallSubject } from './test-helpers.ts';

describe('toolArguments', () => {
  const guardrail = toolArguments({
    rules: {
      issue_refund: { field: 'amountUsd', max: 100, min: 0.01 },
      send_email: [
        { field: 'to', emailDomains: ['example.com', '*.example.org'] },
        { field: 'cc', emailDomains: ['example.com'] },
      ],
      create_order: { field: 'items.*.quantity', max: 10 },
      transfer: [
        { schema: z.object({ currency: z.enum(['EUR', 'USD']), iban: z.string().refine((iban) => iban.startsWith('DE'), 'only German accounts') }) },
        { check: (input, context) => context.tenantId !== 'trial' || 'transfers are not available on trial accounts' },
      ],
    },
  });

  it('caps a numeric field, telling the model the value and the limit', async () => {
    expect(await check(guardrail, toolCallSubject('issue_refund', { orderId: '1001', amountUsd: 40 }))).toEqual({ verdict: 'allow' });
    expect(await check(guardrail, toolCallSubject('issue_refund', { orderId: '1001', amountUsd: 250 }))).toEqual({
      verdict: 'block',
      reason: 'issue_refund was not run: amountUsd is 250, above the limit of 100. Correct the arguments, or tell the user why it cannot be done.',
    });
    expect(await check(guardrail, toolCallSubject('issue_refund', { amountUsd: 0 }))).toMatchObject({
      reason: expect.stringContaining('amountUsd is 0, below the minimum of 0.01'),
    });
  });

  it('allows e-mail only to listed domains, in lists and address lines too', async () => {
    expect(await check(guardrail, toolCallSubject('send_email', { to: ['ann@example.com', 'Bob <bob@eu.example.org>'], cc: 'Ops <ops@EXAMPLE.com>' }))).toEqual(
      { verdict: 'allow' },
    );
    expect(await check(guardrail, toolCallSubject('send_email', { to: 'ann@example.com, eve@evil.example.net' }))).toEqual({
      verdict: 'block',
      reason:
        'send_email was not run: to: e-mail to the domain evil.example.net is not allowed (allowed: example.com, *.example.org). Correct the arguments, or tell the user why it cannot be done.',
    });
    // "*.example.org" is its subdomains, not the domain itself; a look-alike suffix is another domain.
    expect(await check(guardrail, toolCallSubject('send_email', { to: 'x@example.org' }))).toMatchObject({ verdict: 'block' });
    expect(await check(guardrail, toolCallSubject('send_email', { to: 'x@notexample.com' }))).toMatchObject({ verdict: 'block' });
    expect(await check(guardrail, toolCallSubject('send_email', { to: 'ann@example.com', cc: 'not an address' }))).toMatchObject({
      reason: expect.stringContaining('cc: "not an address" is not an e-mail address'),
    });
  });

  it('checks every element under a wildcard, naming the one that failed', async () => {
    expect(
      await check(
        guardrail,
        toolCallSubject('create_order', {
          items: [
            { sku: 'A', quantity: 2 },
            { sku: 'B', quantity: 50 },
          ],
        }),
      ),
    ).toMatchObject({
      reason: expect.stringContaining('items.1.quantity is 50, above the limit of 10'),
    });
  });

  it('reports every failing zod issue and predicate at once', async () => {
    const verdict = await check(guardrail, toolCallSubject('transfer', { currency: 'GBP', iban: 'GB82WEST12345698765432' }), contextFor({ tenantId: 'trial' }));
    expect(verdict.verdict).toBe('block');
    const reason = verdict.verdict === 'block' ? verdict.reason : '';
    expect(reason).toMatch(/^transfer was not run: currency: .+; iban: only German accounts; transfers are not available on trial accounts\./);
    expect(await check(guardrail, toolCallSubject('transfer', { currency: 'EUR', iban: 'DE89370400440532013000' }))).toEqual({ verdict: 'allow' });
  });

  it('lets tools without rules, and absent fields, through', async () => {
    expect(await check(guardrail, toolCallSubject('lookup_order', { amountUsd: 1_000_000 }))).toEqual({ verdict: 'allow' });
    expect(await check(guardrail, toolCallSubject('issue_refund', { orderId: '1001' }))).toEqual({ verdict: 'allow' });
  });

  it('asks for approval instead, with action require-approval', async () => {
    const gated = toolArguments({ rules: { issue_refund: { field: 'amountUsd', max: 50 } }, action: 'require-approval' });
    expect(await check(gated, toolCallSubject('issue_refund', { amountUsd: 80 }))).toEqual({
      verdict: 'require-approval',
      reason: "issue_refund needs a person's approval: amountUsd is 80, above the limit of 50.",
    });
  });

  it('uses the rule message when given, and refuses rules that cannot be checked', async () => {
    const custom = toolArguments({ rules: { issue_refund: { field: 'amountUsd', max: 50, message: 'refunds above $50 go through the billing team' } } });
    expect(await check(custom, toolCallSubject('issue_refund', { amountUsd: 80 }))).toMatchObject({
      reason: expect.stringContaining('refunds above $50 go through the billing team'),
    });
    expect(() => toolArguments({ rules: { a: { field: 'x' } as never } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('rules.a[0]') }),
    );
    expect(() => toolArguments({ rules: { a: { field: 'to', emailDomains: ['not a domain'] } } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => toolArguments({ rules: { a: { schema: {} as never } } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
