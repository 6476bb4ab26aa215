import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeModelServer, type FakeModelServer } from '../../testing/index.ts';
import type { ModelRequest } from '../model.ts';
import { fromAiSdk } from './adapter.ts';
import { ask, modelCases, modes, protocolCases, timeTool, weatherTool } from './test-helpers.ts';

let server: FakeModelServer;
beforeEach(async () => {
  server = await startFakeModelServer();
});
afterEach(async () => {
  await server.close();
});

const hello: ModelRequest = { messages: [{ role: 'user', content: 'Say hello' }] };

describe.each(modelCases)('$name', ({ protocol, model: make }) => {
  describe.each(modes)('%s', (mode) => {
    it('returns text, usage with cached tokens, finish reason and the answering model', async () => {
      const model = make(server);
      server.enqueue({ text: 'Hello there, traveller!', usage: { inputTokens: 120, outputTokens: 7, cachedTokens: 100 } });
      const { response, deltas } = await ask(model, hello, mode);
      expect(response.text).toBe('Hello there, traveller!');
      expect(response.toolCalls).toEqual([]);
      expect(response.finishReason).toBe('stop');
      expect(response.usage).toEqual({ inputTokens: 120, outputTokens: 7, cachedTokens: 100 });
      expect(response.modelId).toBe(model.modelId);
      if (mode === 'stream') {
        expect(deltas.length).toBeGreaterThan(1);
        expect(deltas.join('')).toBe('Hello there, traveller!');
      }
      expect(server.requests[0]).toMatchObject({ protocol, stream: mode === 'stream' });
    });

    it('returns parallel tool calls with their raw argument text', async () => {
      const model = make(server);
      server.enqueue({
        text: 'Let me check.',
        toolCalls: [
          { name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_weather' },
          { name: 'get_time', arguments: { zone: 'Europe/Paris' }, id: 'call_time' },
        ],
      });
      const { response } = await ask(model, { ...hello, tools: [weatherTool, timeTool] }, mode);
      expect(response.finishReason).toBe('tool-calls');
      expect(response.text).toBe('Let me check.');
      expect(response.toolCalls).toEqual([
        { callId: 'call_weather', toolName: 'get_weather', arguments: '{"city":"Paris"}' },
        { callId: 'call_time', toolName: 'get_time', arguments: '{"zone":"Europe/Paris"}' },
      ]);
    });

    it('sends the conversation, tool calls, tool results, tools and settings in the wire format', async () => {
      const model = make(server);
      server.enqueue({ text: 'It is sunny in Paris.' });
      await ask(
        model,
        {
          messages: [
            { role: 'system', content: 'You are terse.' },
            { role: 'user', content: 'Weather and time in Paris?' },
            {
              role: 'assistant',
              content: '',
              toolCalls: [
                { callId: 'call_1', toolName: 'get_weather', arguments: '{"city":"Paris"}' },
                { callId: 'call_2', toolName: 'get_time', arguments: '{"zone":"Europe/Paris"}' },
              ],
            },
            { role: 'tool', callId: 'call_1', toolName: 'get_weather', content: { sky: 'sunny' } },
            { role: 'tool', callId: 'call_2', toolName: 'get_time', content: '14:00', isError: false },
          ],
          tools: [weatherTool, timeTool],
          toolChoice: 'auto',
          maxOutputTokens: 300,
          temperature: 0.2,
        },
        mode,
      );
      const request = server.requests[0];
      expect(request?.messages).toEqual([
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather and time in Paris?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { id: 'call_2', name: 'get_time', arguments: '{"zone":"Europe/Paris"}' },
          ],
        },
        { role: 'tool', content: '{"sky":"sunny"}', toolCallId: 'call_1' },
        { role: 'tool', content: '14:00', toolCallId: 'call_2' },
      ]);
      expect(request?.tools.map((tool) => tool.name)).toEqual(['get_weather', 'get_time']);
      expect(request?.tools[0]?.inputSchema).toMatchObject({ properties: { city: { type: 'string' } } });
      expect(JSON.stringify(request?.body)).toContain('300');
      expect(JSON.stringify(request?.body)).toContain('0.2');
    });
  });
});

describe('fromAiSdk', () => {
  it('names the provider by its first segment and keeps the model id', () => {
    const [chat, responses, anthropic] = protocolCases.map((entry) => fromAiSdk(entry.create(server)));
    expect([chat?.provider, responses?.provider, anthropic?.provider]).toEqual(['openai', 'openai', 'anthropic']);
    expect(anthropic?.modelId).toBe('claude-haiku-4-5');
  });

  it('asks for JSON output with the schema', async () => {
    const model = fromAiSdk(protocolCases[0]!.create(server));
    server.enqueue({ text: '{"answer":42}' });
    const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'], additionalProperties: false };
    const response = await model.generate({ ...hello, responseFormat: { type: 'json', schema } });
    expect(response.text).toBe('{"answer":42}');
    expect(server.requests[0]?.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { schema } });
  });

  it('sends a tool error result as an error', async () => {
    const model = fromAiSdk(protocolCases[2]!.create(server));
    server.enqueue({ text: 'Sorry.' });
    await model.generate({
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: '', toolCalls: [{ callId: 'toolu_1', toolName: 'get_weather', arguments: '{"city":"Oslo"}' }] },
        { role: 'tool', callId: 'toolu_1', toolName: 'get_weather', content: 'upstream down', isError: true },
      ],
      tools: [weatherTool],
    });
    expect(server.requests[0]?.messages.at(-1)).toEqual({ role: 'tool', content: 'upstream down', toolCallId: 'toolu_1', isError: true });
  });
});
