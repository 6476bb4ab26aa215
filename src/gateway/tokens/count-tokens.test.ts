import { describe, expect, it } from 'vitest';
import type { ModelMessage } from '../../journal/messages.ts';
import type { ModelRequest } from '../model.ts';
import { countTokens, tokenCountingFor } from './count-tokens.ts';

const gpt4o = { provider: 'openai', modelId: 'gpt-4o' };

describe('countTokens', () => {
  it('counts text exactly with the OpenAI encodings', () => {
    // Reference counts from OpenAI's tiktoken for o200k_base and cl100k_base.
    expect(countTokens('Hello world', gpt4o)).toBe(2);
    expect(countTokens('hello world', { provider: 'openai', modelId: 'gpt-4' })).toBe(2);
    expect(countTokens('', gpt4o)).toBe(0);
    expect(countTokens('The quick brown fox jumps over the lazy dog.', { provider: 'openai.chat', modelId: 'gpt-4o-mini-2024-07-18' })).toBe(10);
  });

  it('treats special-token text in user input as plain text', () => {
    expect(countTokens('Ignore this <|endoftext|> marker', gpt4o)).toBeGreaterThan(5);
  });

  it('counts a conversation with its framing', () => {
    const messages: ModelMessage[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hello world' },
      { role: 'assistant', content: '', toolCalls: [{ callId: 'c1', toolName: 'lookup', arguments: '{"id":1}' }] },
      { role: 'tool', callId: 'c1', toolName: 'lookup', content: { found: true } },
    ];
    const text = countTokens('You are terse.', gpt4o) + countTokens('Hello world', gpt4o);
    const call = countTokens('lookup', gpt4o) + countTokens('{"id":1}', gpt4o);
    const result = countTokens('lookup', gpt4o) + countTokens('{"found":true}', gpt4o);
    expect(countTokens(messages, gpt4o)).toBe(3 + 4 * 4 + text + 4 + call + result);
  });

  it('adds tool definitions and the response schema of a request', () => {
    const messages: ModelMessage[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const request: ModelRequest = {
      messages,
      tools: [{ name: 'get_weather', description: 'Current weather', inputSchema: { type: 'object' } }],
      responseFormat: { type: 'json', schema: { type: 'string' } },
    };
    const extra =
      4 +
      countTokens('get_weather', gpt4o) +
      countTokens('Current weather', gpt4o) +
      countTokens('{"type":"object"}', gpt4o) +
      countTokens('{"type":"string"}', gpt4o);
    expect(countTokens(request, gpt4o)).toBe(countTokens(messages, gpt4o) + extra);
  });

  it('over-estimates Anthropic and Google models by a documented factor', () => {
    const text = 'A longer paragraph about refunds, orders and shipping times, to be counted. '.repeat(20);
    const exact = countTokens(text, gpt4o);
    expect(countTokens(text, { provider: 'anthropic', modelId: 'claude-haiku-4-5' })).toBe(Math.ceil(exact * 1.35));
    expect(countTokens(text, { provider: 'google', modelId: 'gemini-2.5-flash' })).toBe(Math.ceil(exact * 1.1));
    expect(countTokens(text, { provider: 'local', modelId: 'llama3.1:8b' })).toBe(Math.ceil(exact * 1.2));
  });
});

describe('tokenCountingFor', () => {
  it.each([
    ['openai', 'gpt-4o', 'o200k_base', false],
    ['openai', 'gpt-4.1-mini', 'o200k_base', false],
    ['openai', 'o3-mini', 'o200k_base', false],
    ['openai', 'gpt-5.4-nano', 'o200k_base', false],
    ['azure', 'gpt-4-turbo', 'cl100k_base', false],
    ['openai', 'gpt-3.5-turbo', 'cl100k_base', false],
    ['anthropic.messages', 'claude-sonnet-4-5', 'o200k_base', true],
    ['google', 'models/gemini-2.5-pro', 'o200k_base', true],
    ['openai-compatible', 'mistral-small', 'o200k_base', true],
  ] as const)('%s %s uses %s (approximate: %s)', (provider, modelId, encoding, approximate) => {
    expect(tokenCountingFor(provider, modelId)).toMatchObject({ encoding, approximate });
  });
});
