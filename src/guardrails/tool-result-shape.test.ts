import { describe, expect, it } from 'vitest';
import { toolResultShape } from './tool-result-shape.ts';
import { check, toolResultSubject } from './test-helpers.ts';

const orderSchema = { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' } }, required: ['id'] };
const gatewayPage = '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>';

describe('toolResultShape', () => {
  const guardrail = toolResultShape();

  it('withholds an HTML error page, and says so without quoting it', async () => {
    expect(await check(guardrail, toolResultSubject('lookup_order', gatewayPage, { outputSchema: orderSchema }))).toEqual({
      verdict: 'block',
      reason:
        'The result of lookup_order is not what the tool promises: an HTML page came back instead of data. Treat the call as failed; do not use its result as data.',
    });
    // Any string result that is a page, promised or not, whatever the case and leading space.
    expect(await check(guardrail, toolResultSubject('fetch_status', '\uFEFF  <HTML lang="en"><body>Sign in</body></HTML>'))).toMatchObject({
      verdict: 'block',
    });
  });

  it('lets HTML through from tools that return pages on purpose, and prose that mentions HTML', async () => {
    expect(await check(toolResultShape({ htmlTools: ['fetch_page'] }), toolResultSubject('fetch_page', gatewayPage))).toEqual({ verdict: 'allow' });
    expect(await check(guardrail, toolResultSubject('search_docs', 'Use <html lang> to set the language of a page.'))).toEqual({ verdict: 'allow' });
  });

  it('withholds a truncated JSON payload, and tells it apart from malformed JSON', async () => {
    const full = JSON.stringify({
      orders: [
        { id: '1001', status: 'shipped' },
        { id: '1002', status: 'pending' },
      ],
    });
    expect(await check(guardrail, toolResultSubject('list_orders', full))).toEqual({ verdict: 'allow' });
    expect(await check(guardrail, toolResultSubject('list_orders', full.slice(0, 40)))).toMatchObject({
      verdict: 'block',
      reason: expect.stringContaining('a JSON payload came back cut short (truncated)'),
    });
    expect(await check(guardrail, toolResultSubject('list_orders', '{"orders": [1, 2], }'))).toMatchObject({
      reason: expect.stringContaining('malformed JSON came back'),
    });
    expect(await check(guardrail, toolResultSubject('list_orders', '{"a": 1}}'))).toMatchObject({ reason: expect.stringContaining('malformed JSON') });
  });

  it('withholds an empty body, and a missing value where one was promised', async () => {
    expect(await check(guardrail, toolResultSubject('lookup_order', '  \n'))).toMatchObject({ reason: expect.stringContaining('an empty body came back') });
    expect(await check(guardrail, toolResultSubject('lookup_order', null, { outputSchema: orderSchema }))).toMatchObject({
      reason: expect.stringContaining('an empty body came back'),
    });
    // A tool that promises nothing may return nothing (a void action).
    expect(await check(guardrail, toolResultSubject('send_email', undefined))).toEqual({ verdict: 'allow' });
    expect(await check(guardrail, toolResultSubject('find', null, { outputSchema: { anyOf: [orderSchema, { type: 'null' }] } }))).toEqual({ verdict: 'allow' });
  });

  it('withholds text where JSON was promised, and lets data and errors through', async () => {
    expect(await check(guardrail, toolResultSubject('lookup_order', 'Service temporarily unavailable', { outputSchema: orderSchema }))).toMatchObject({
      reason: expect.stringContaining('text came back where object was promised'),
    });
    expect(await check(guardrail, toolResultSubject('lookup_order', { id: '1001', status: 'shipped' }, { outputSchema: orderSchema }))).toEqual({
      verdict: 'allow',
    });
    expect(await check(guardrail, toolResultSubject('summarise', 'All good.', { outputSchema: { type: 'string' } }))).toEqual({ verdict: 'allow' });
    expect(await check(guardrail, toolResultSubject('lookup_order', undefined, { error: { code: 'TOOL_FAILED', message: 'HTTP 502' } }))).toEqual({
      verdict: 'allow',
    });
  });
});
