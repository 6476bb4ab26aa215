import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeelError } from '../../errors/index.ts';
import { startFakeModelServer, type FakeModelServer } from '../../testing/index.ts';
import type { Model, ModelRequest } from '../model.ts';
import { fromAiSdk } from './adapter.ts';
import { ask, drain, modelCases, modes, protocolCases, weatherTool, type Mode } from './test-helpers.ts';

let server: FakeModelServer;
beforeEach(async () => {
  server = await startFakeModelServer();
});
afterEach(async () => {
  await server.close();
});

const request: ModelRequest = { messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool] };

async function failure(model: Model, mode: Mode, overrides: Partial<ModelRequest> = {}): Promise<KeelError> {
  try {
    await ask(model, { ...request, ...overrides }, mode);
  } catch (error) {
    if (KeelError.isInstance(error)) return error;
    throw new Error(`expected a KeelError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected the call to fail');
}

describe.each(modelCases)('$name', ({ protocol, model: make }) => {
  describe.each(modes)('%s', (mode) => {
    it('maps a 429 to MODEL_RATE_LIMITED with the Retry-After value', async () => {
      const model = make(server);
      server.enqueue({ fault: 'rate-limit', retryAfterSeconds: 7 });
      const error = await failure(model, mode);
      expect(error.code).toBe('MODEL_RATE_LIMITED');
      expect(error.retryable).toBe(true);
      expect(error.retryAfterSeconds).toBe(7);
      expect(error.details).toMatchObject({ modelId: model.modelId, status: 429 });
      expect(String(error.details?.provider)).toMatch(/^(openai|anthropic|local)\./);
    });

    it('maps a 5xx to MODEL_UNAVAILABLE', async () => {
      server.enqueue({ fault: 'server-error', status: 503 });
      const error = await failure(make(server), mode);
      expect(error.code).toBe('MODEL_UNAVAILABLE');
      expect(error.retryable).toBe(true);
      expect(error.details).toMatchObject({ status: 503 });
    });

    it('maps a 400 to MODEL_REQUEST_REJECTED, not retryable', async () => {
      server.enqueue({ fault: 'bad-request', message: 'max_tokens is too large' });
      const error = await failure(make(server), mode);
      expect(error.code).toBe('MODEL_REQUEST_REJECTED');
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('max_tokens is too large');
    });

    it('maps a hanging request aborted by the caller to MODEL_TIMEOUT', async () => {
      server.enqueue({ fault: 'hang' });
      const error = await failure(make(server), mode, { signal: AbortSignal.timeout(150) });
      expect(error.code).toBe('MODEL_TIMEOUT');
      expect(error.retryable).toBe(true);
    });

    it('maps a 200 HTML error page to MODEL_RESPONSE_INVALID', async () => {
      server.enqueue({ fault: 'html' });
      const error = await failure(make(server), mode);
      expect(error.code).toBe('MODEL_RESPONSE_INVALID');
      expect(error.message).toMatch(mode === 'stream' ? /expected an event stream, got text\/html/ : /Invalid JSON response/);
    });

    it('maps a 200 with an empty body to MODEL_RESPONSE_INVALID, retryable', async () => {
      server.enqueue({ fault: 'empty' });
      const error = await failure(make(server), mode);
      expect(error.code).toBe('MODEL_RESPONSE_INVALID');
      expect(error.retryable).toBe(true);
    });

    it('maps a context-window 400 to MODEL_CONTEXT_TOO_LONG', async () => {
      server.enqueue({ fault: 'context-length' });
      const error = await failure(make(server), mode);
      expect(error.code).toBe('MODEL_CONTEXT_TOO_LONG');
      expect(error.retryable).toBe(false);
      expect(error.details).toMatchObject({ status: 400 });
    });

    it('maps a content-policy 400 to MODEL_CONTENT_FILTERED', async () => {
      server.enqueue({ fault: 'content-policy' });
      const error = await failure(make(server), mode);
      expect(error.code).toBe('MODEL_CONTENT_FILTERED');
      expect(error.retryable).toBe(false);
    });

    it('passes malformed tool-call arguments through raw, for the engine to reject', async () => {
      server.enqueue({ fault: 'malformed-tool-call' });
      const { response } = await ask(make(server), request, mode);
      expect(response.toolCalls).toHaveLength(1);
      const call = response.toolCalls[0];
      expect(call?.toolName).toBe('get_weather');
      // The Messages API carries tool input as JSON, so without streaming the text arrives quoted.
      const quoted = protocol === 'anthropic-messages' && mode === 'generate';
      const raw = quoted ? (JSON.parse(call?.arguments ?? '') as unknown) : call?.arguments;
      expect(raw).toBe('{"query": "unterminated');
    });

    it('maps the default "no scripted turn" answer to MODEL_UNAVAILABLE naming the cause', async () => {
      const error = await failure(make(server), mode);
      expect(error.code).toBe('MODEL_UNAVAILABLE');
      expect(error.message).toContain('no scripted turn');
    });

    it('maps a 401 to MODEL_AUTH_FAILED without echoing the key', async () => {
      await server.close();
      server = await startFakeModelServer({ apiKey: 'sk-right-key-0123456789' });
      // The clients of protocolCases send "test" (or nothing); the server wants another key.
      const error = await failure(make(server), mode);
      expect(error.code).toBe('MODEL_AUTH_FAILED');
      expect(error.retryable).toBe(false);
      expect(error.details).toMatchObject({ status: 401 });
    });
  });

  it('throws when a stream is cut and never yields a response part', async () => {
    server.enqueue({ fault: 'cut-stream', afterChunks: 6, text: 'one two three four five six seven eight nine ten' });
    const { types, error } = await drain(make(server), request);
    expect(types).not.toContain('response');
    expect(types).toContain('text-delta');
    expect(KeelError.isInstance(error) && error.code).toBe('MODEL_UNAVAILABLE');
    expect(KeelError.isInstance(error) && error.retryable).toBe(true);
  });

  it('throws when a stream ends cleanly but before the model finished', async () => {
    server.enqueue({ fault: 'cut-stream', afterChunks: 6, text: 'one two three four five six seven', endCleanly: true });
    const { types, error } = await drain(make(server), request);
    expect(types).not.toContain('response');
    expect(KeelError.isInstance(error) && error.code).toBe('MODEL_RESPONSE_INVALID');
  });

  it('fails a non-streaming answer whose JSON ends early', async () => {
    server.enqueue({ fault: 'cut-stream', endCleanly: true });
    const error = await failure(make(server), 'generate');
    expect(error.code).toBe('MODEL_RESPONSE_INVALID');
  });

  it('throws when a stream is cut before any output', async () => {
    server.enqueue({ fault: 'cut-stream', afterChunks: 1 });
    const { types, error } = await drain(make(server), request);
    expect(types).toEqual([]);
    expect(KeelError.isInstance(error)).toBe(true);
  });

  it('fails a non-streaming answer whose body is cut off', async () => {
    server.enqueue({ fault: 'cut-stream' });
    const error = await failure(make(server), 'generate');
    expect(['MODEL_UNAVAILABLE', 'MODEL_RESPONSE_INVALID']).toContain(error.code);
    expect(error.retryable).toBe(true);
  });

  it('maps an abort in the middle of a stream to MODEL_TIMEOUT', async () => {
    server.enqueue({ text: 'a b c d e f g h i j k l m n o p', chunkDelayMs: 50 });
    const controller = new AbortController();
    const parts: string[] = [];
    let caught: unknown;
    try {
      for await (const part of make(server).stream?.({ ...request, signal: controller.signal }) ?? []) {
        parts.push(part.type);
        if (parts.length === 2) controller.abort();
      }
    } catch (error) {
      caught = error;
    }
    expect(parts).not.toContain('response');
    expect(KeelError.isInstance(caught) && caught.code).toBe('MODEL_TIMEOUT');
  });
});

describe('Anthropic overload', () => {
  it.each(modes)('maps 529 to MODEL_UNAVAILABLE (%s)', async (mode) => {
    server.enqueue({ fault: 'server-error', status: 529 });
    const error = await failure(fromAiSdk(protocolCases[2]!.create(server)), mode);
    expect(error.code).toBe('MODEL_UNAVAILABLE');
    expect(error.details).toMatchObject({ provider: 'anthropic.messages', status: 529 });
    expect(error.message).toContain('Overloaded');
  });
});

describe('API key hygiene', () => {
  it('keeps the key, even masked, out of the error message and details', async () => {
    await server.close();
    server = await startFakeModelServer({ apiKey: 'sk-the-right-one-000000' });
    const { createOpenAI } = await import('@ai-sdk/openai');
    const key = 'sk-live-secret-abcdefghijklmnop';
    const error = await failure(fromAiSdk(createOpenAI({ baseURL: server.openaiBaseURL, apiKey: key })('gpt-4o-mini')), 'generate');
    expect(error.code).toBe('MODEL_AUTH_FAILED');
    const shown = JSON.stringify({ message: error.message, details: error.details, json: error.toJSON() });
    expect(shown).not.toContain(key);
    expect(shown).not.toContain('mnop');
    expect(shown).toContain('Incorrect API key provided');
  });
});
