/**
 * A fake model upstream in its own process (so its work does not share the measured process's
 * event loop, as a real upstream would not). Every request is answered with one tool call per
 * turn, then a final answer; the number of turns comes from the run's input ("… <n> turns"), so
 * the server holds no state between runs. Prints its base URL as one JSON line, and exits when
 * its standard input closes.
 *
 * Usage: node bench/lib/fake-upstream.ts
 */
import { startFakeModelServer } from '../../src/testing/index.ts';
import type { FakeModelRequest, FakeTurn } from '../../src/testing/index.ts';

function answer(request: FakeModelRequest): FakeTurn {
  const input = request.messages.find((message) => message.role === 'user')?.content ?? '';
  const turns = Number(/(\d+) turns/.exec(input)?.[1] ?? 0);
  const done = request.messages.filter((message) => message.role === 'tool').length;
  const tool = request.tools[0]?.name;
  if (done >= turns || tool === undefined) return { text: 'done', usage: { inputTokens: 10, outputTokens: 1 } };
  return { toolCalls: [{ name: tool, arguments: { id: done + 1 } }], usage: { inputTokens: 10, outputTokens: 5 } };
}

const server = await startFakeModelServer({ responder: answer });
process.stdout.write(`${JSON.stringify({ openaiBaseURL: server.openaiBaseURL })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
