import { request, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { openBareSqlite, type BareSqlite } from './bare-sqlite.ts';

/**
 * The floor under one agent turn over HTTP: what any agent loop must do per turn, written by hand
 * with nothing between the loop and the platform. Per turn it
 *
 *  1. serialises the whole conversation so far (system, user, every assistant tool call and every
 *     tool result) into a Chat Completions request, `stream: true` with usage, as Keel's
 *     `openai-compatible` provider sends it;
 *  2. POSTs it with `node:http` (the global agent, keep-alive: the cheapest HTTP client Node.js
 *     has, and the one Keel's client uses) to the same fake upstream and reads the event stream to
 *     its end, parsing every chunk and gathering the tool call;
 *  3. runs the tool (the same function as the Keel agent's);
 *  4. makes the turn durable with one bare node:sqlite transaction (insert the step's payload —
 *     the model's response and the tool's result — and update the run row, WAL, synchronous=NORMAL).
 *
 * Request bodies grow with the history here exactly as they do for Keel, so the floor grows with
 * run length too; what Keel adds on top is its own work.
 */
export interface BareTurnLoop {
  /** Runs one conversation to the model's final answer; returns its time and the tool calls made. */
  run(input: string): Promise<{ ms: number; toolCalls: number }>;
  close(): void;
}

interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

export function createBareTurnLoop(options: {
  baseURL: string;
  databasePath: string;
  instructions: string;
  toolName: string;
  toolOutput: (id: number) => unknown;
}): BareTurnLoop {
  const sqlite: BareSqlite = openBareSqlite(options.databasePath);
  const tools = [
    {
      type: 'function',
      function: {
        name: options.toolName,
        description: 'Reads a record by id',
        parameters: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          type: 'object',
          properties: { id: { type: 'integer' } },
          required: ['id'],
          additionalProperties: false,
        },
      },
    },
  ];
  const url = new URL(`${options.baseURL}/chat/completions`);
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer bench' };
  return {
    async run(input) {
      const started = performance.now();
      const messages: ChatMessage[] = [
        { role: 'system', content: options.instructions },
        { role: 'user', content: input },
      ];
      let toolCalls = 0;
      for (;;) {
        const body = JSON.stringify({ model: 'fake-model', messages, tools, stream: true, stream_options: { include_usage: true } });
        const response = await post(url, headers, body);
        if (response.statusCode !== 200) {
          response.destroy();
          throw new Error(`the upstream answered ${String(response.statusCode)}`);
        }
        const turn = await readChatStream(response);
        const call = turn.toolCall;
        if (call === undefined) {
          sqlite.step(JSON.stringify({ text: turn.text }));
          break;
        }
        const output = JSON.stringify(options.toolOutput((JSON.parse(call.arguments) as { id: number }).id));
        toolCalls += 1;
        const assistant: ChatMessage = {
          role: 'assistant',
          content: turn.text === '' ? null : turn.text,
          tool_calls: [{ id: call.id, type: 'function', function: call }],
        };
        sqlite.step(JSON.stringify({ response: assistant, result: output }));
        messages.push(assistant, { role: 'tool', tool_call_id: call.id, content: output });
      }
      return { ms: performance.now() - started, toolCalls };
    },
    close: () => sqlite.close(),
  };
}

function post(url: URL, headers: Record<string, string>, body: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, resolve);
    sent.on('error', reject);
    sent.end(body);
  });
}

/** Reads a Chat Completions event stream to its end: the text and the (single) tool call. */
async function readChatStream(body: AsyncIterable<Uint8Array>): Promise<{ text: string; toolCall?: { id: string; name: string; arguments: string } }> {
  const decoder = new TextDecoder();
  let buffer = '';
  let text = '';
  let call: { id: string; name: string; arguments: string } | undefined;
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.startsWith('data: ') ? frame.slice('data: '.length) : undefined;
      if (data === undefined || data === '[DONE]') continue;
      const chunk = JSON.parse(data) as {
        choices?: { delta?: { content?: string | null; tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[] } }[];
      };
      const delta = chunk.choices?.[0]?.delta;
      if (typeof delta?.content === 'string') text += delta.content;
      for (const part of delta?.tool_calls ?? []) {
        call ??= { id: '', name: '', arguments: '' };
        if (part.id !== undefined) call.id = part.id;
        if (part.function?.name !== undefined) call.name += part.function.name;
        if (part.function?.arguments !== undefined) call.arguments += part.function.arguments;
      }
    }
  }
  return call === undefined ? { text } : { text, toolCall: call };
}
