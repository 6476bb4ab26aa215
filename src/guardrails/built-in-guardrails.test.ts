import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent, defineConfig } from 'keel';
import {
  contentPolicy,
  grounding,
  loopDetection,
  maxInputSize,
  maxToolCalls,
  normalizeUnicode,
  pii,
  promptInjection,
  secrets,
  toolAllowlist,
  toolArguments,
  toolResultShape,
  toolResultSize,
  type AgentGuardrails,
  type Guardrail,
} from 'keel/guardrails';

const builtIns: Record<string, Guardrail> = {
  normalizeUnicode: normalizeUnicode(),
  maxInputSize: maxInputSize({ maxChars: 8_000 }),
  promptInjection: promptInjection(),
  pii: pii(),
  secrets: secrets(),
  toolAllowlist: toolAllowlist({ tools: ['lookup_order'] }),
  toolArguments: toolArguments({ rules: { issue_refund: { field: 'amountUsd', max: 100 } } }),
  maxToolCalls: maxToolCalls({ max: 10 }),
  loopDetection: loopDetection(),
  toolResultShape: toolResultShape(),
  toolResultSize: toolResultSize({ maxChars: 20_000 }),
  contentPolicy: contentPolicy({ blockedTerms: ['acme corp'] }),
  grounding: grounding(),
};

const agent = (guardrails: AgentGuardrails) => defineAgent({ name: 'support', model: 'openai:gpt-4o-mini', instructions: 'Help with orders.', guardrails });

describe('the built-in guardrails', () => {
  it('have stable names and check the boundaries they are documented for', () => {
    expect(
      Object.fromEntries(Object.entries(builtIns).map(([factory, guardrail]) => [factory, [guardrail.kind, guardrail.name, guardrail.boundaries.join(' ')]])),
    ).toEqual({
      normalizeUnicode: ['keel.guardrail', 'normalize-unicode', 'input'],
      maxInputSize: ['keel.guardrail', 'max-input-size', 'input'],
      promptInjection: ['keel.guardrail', 'prompt-injection', 'input tool-result'],
      pii: ['keel.guardrail', 'pii', 'input model-output tool-result output'],
      secrets: ['keel.guardrail', 'secrets', 'input model-output tool-result output'],
      toolAllowlist: ['keel.guardrail', 'tool-allowlist', 'tool-call'],
      toolArguments: ['keel.guardrail', 'tool-arguments', 'tool-call'],
      maxToolCalls: ['keel.guardrail', 'max-tool-calls', 'tool-call'],
      loopDetection: ['keel.guardrail', 'loop-detection', 'tool-call'],
      toolResultShape: ['keel.guardrail', 'tool-result-shape', 'tool-result'],
      toolResultSize: ['keel.guardrail', 'tool-result-size', 'tool-result'],
      contentPolicy: ['keel.guardrail', 'content-policy', 'output model-output'],
      grounding: ['keel.guardrail', 'grounding', 'output'],
    });
  });

  it('are accepted by defineAgent and defineConfig at their boundaries, config defaults first', () => {
    const support = agent({
      input: [builtIns.normalizeUnicode!, builtIns.maxInputSize!, builtIns.promptInjection!, builtIns.pii!],
      modelOutput: [builtIns.secrets!, builtIns.contentPolicy!],
      toolCall: [builtIns.toolAllowlist!, builtIns.toolArguments!, builtIns.maxToolCalls!, builtIns.loopDetection!],
      toolResult: [builtIns.toolResultShape!, builtIns.toolResultSize!, builtIns.promptInjection!, builtIns.secrets!],
      output: [builtIns.pii!, builtIns.contentPolicy!, builtIns.grounding!],
    });
    const config = defineConfig({ agents: [support], guardrails: { input: [normalizeUnicode()], output: [secrets({ action: 'block' })] } });
    const guardrails = config.agents.get('support')?.guardrails;
    expect(guardrails?.input?.map((guardrail) => guardrail.name)).toEqual([
      'normalize-unicode',
      'normalize-unicode',
      'max-input-size',
      'prompt-injection',
      'pii',
    ]);
    expect(guardrails?.output?.map((guardrail) => guardrail.name)).toEqual(['secrets', 'pii', 'content-policy', 'grounding']);
    expect(guardrails?.toolCall?.map((guardrail) => guardrail.name)).toEqual(['tool-allowlist', 'tool-arguments', 'max-tool-calls', 'loop-detection']);
  });

  it('are refused at a boundary they do not check, in the agent and in the config', () => {
    const misplaced: Array<[AgentGuardrails, string]> = [
      [{ output: [builtIns.promptInjection!] }, 'guardrail "prompt-injection" does not check the output boundary'],
      [{ toolCall: [builtIns.pii!] }, 'guardrail "pii" does not check the tool-call boundary'],
      [{ input: [builtIns.toolAllowlist!] }, 'guardrail "tool-allowlist" does not check the input boundary'],
      [{ toolResult: [builtIns.grounding!] }, 'guardrail "grounding" does not check the tool-result boundary'],
      [{ input: [builtIns.contentPolicy!] }, 'guardrail "content-policy" does not check the input boundary'],
      [{ modelOutput: [builtIns.toolResultSize!] }, 'guardrail "tool-result-size" does not check the model-output boundary'],
      [{ output: [builtIns.normalizeUnicode!] }, 'guardrail "normalize-unicode" does not check the output boundary'],
    ];
    for (const [guardrails, message] of misplaced) {
      expect(() => agent(guardrails)).toThrow(expect.objectContaining({ code: 'AGENT_INVALID', message: expect.stringContaining(message) }));
      expect(() => defineConfig({ agents: [agent({})], guardrails })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(message) }),
      );
    }
  });

  it('refuse bad options when the config is written, not when a run reaches them', () => {
    expect(() => pii({ action: 'hide' as 'redact' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: "Guardrail \"pii\": action must be 'redact', 'block' or 'flag'" }),
    );
    expect(() => toolArguments({ rules: { transfer: { schema: z.string().min(1) }, refund: { field: 'amount' } as never } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('rules.refund[0] needs max, min or emailDomains') }),
    );
  });
});
