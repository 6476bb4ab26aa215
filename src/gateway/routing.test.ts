import { describe, expect, it } from 'vitest';
import { scriptedModel } from '../testing/scripted-model.ts';
import type { ModelRequest } from './model.ts';
import { withRouting, type RoutingContext } from './routing.ts';
import { countTokens } from './tokens/count-tokens.ts';

const request = (content: string, call: ModelRequest['call'] = {}): ModelRequest => ({ messages: [{ role: 'user', content }], call });

describe('withRouting', () => {
  it('sends summarisation and classification to the cheap model by default', async () => {
    const primary = scriptedModel([{ text: 'primary' }], { modelId: 'gpt-4o' });
    const cheap = scriptedModel([{ text: 'summary' }, { text: 'label' }], { modelId: 'gpt-4o-mini' });
    const model = withRouting(primary, cheap);
    expect((await model.generate(request('Summarise this', { purpose: 'summarise' }))).text).toBe('summary');
    expect((await model.generate(request('Classify this', { purpose: 'classify' }))).text).toBe('label');
    expect((await model.generate(request('Help me', { step: 1 }))).text).toBe('primary');
    primary.assertConsumed();
    cheap.assertConsumed();
    expect([model.provider, model.modelId]).toEqual([primary.provider, 'gpt-4o']);
  });

  it('gives the policy the step, the purpose and the counted input tokens', async () => {
    const seen: Array<Omit<RoutingContext, 'request'>> = [];
    const primary = scriptedModel([{ text: 'long' }], { modelId: 'gpt-4o' });
    const cheap = scriptedModel([{ text: 'short' }], { modelId: 'gpt-4o-mini', stream: true });
    const model = withRouting(primary, cheap, (context) => {
      seen.push({ step: context.step, purpose: context.purpose, inputTokens: context.inputTokens });
      return context.inputTokens < 50;
    });
    const short = request('Hi', { step: 1 });
    const long = request('word '.repeat(200), { step: 2 });
    const parts: string[] = [];
    for await (const part of model.stream?.(short) ?? []) parts.push(part.type);
    expect(parts.at(-1)).toBe('response');
    expect((await model.generate(long)).text).toBe('long');
    expect(seen).toEqual([
      { step: 1, purpose: 'agent-step', inputTokens: countTokens(short, primary) },
      { step: 2, purpose: 'agent-step', inputTokens: countTokens(long, primary) },
    ]);
  });

  it('streams from a model that cannot, as one delta and the response', async () => {
    const model = withRouting(scriptedModel([]), scriptedModel([{ text: 'cheap answer' }]), () => true);
    const parts: unknown[] = [];
    for await (const part of model.stream?.(request('x')) ?? []) parts.push(part);
    expect(parts[0]).toEqual({ type: 'text-delta', text: 'cheap answer' });
  });

  it('uses the primary model when the policy throws', async () => {
    const primary = scriptedModel([{ text: 'primary' }]);
    const model = withRouting(primary, scriptedModel([]), () => {
      throw new Error('bug in the policy');
    });
    expect((await model.generate(request('x'))).text).toBe('primary');
  });
});
