import { describe, expect, it } from 'vitest';
import { formatSse, sseResponse, type SseFrame } from './sse.ts';

const options = { heartbeatMs: 60_000, onError: () => undefined };
const frame = (id: number): SseFrame => ({ id: String(id), event: 'step', data: `{"n":${id}}` });

async function chunks(response: Response): Promise<string[]> {
  const decoder = new TextDecoder();
  const read: string[] = [];
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return read;
    read.push(decoder.decode(value));
  }
}

describe('sseResponse', () => {
  it('sends the frames a producer has ready at once as one chunk: one write per batch, not per event', async () => {
    const response = sseResponse(async function* () {
      yield frame(1);
      yield frame(2);
      yield frame(3);
    }, options);
    const read = await chunks(response);
    expect(read).toEqual(['id: 1\nevent: step\ndata: {"n":1}\n\nid: 2\nevent: step\ndata: {"n":2}\n\nid: 3\nevent: step\ndata: {"n":3}\n\n']);
  });

  it('bounds a batch when the producer never waits on I/O: a long replay goes out in chunks of at most 64 KiB, every frame once and in order', async () => {
    const count = 5_000;
    const payload = 'x'.repeat(1_000);
    // Like a replay from the embedded store: every read resolves in microtasks, nothing waits on I/O.
    const response = sseResponse(async function* () {
      for (let seq = 1; seq <= count; seq += 1) {
        if (seq % 500 === 1) await Promise.resolve();
        yield { id: String(seq), event: 'step', data: payload };
      }
    }, options);
    const read = await chunks(response);
    const frameChars = formatSse({ id: String(count), event: 'step', data: payload }).length;
    expect(Math.max(...read.map((chunk) => chunk.length))).toBeLessThanOrEqual(64 * 1024 + frameChars);
    expect(read.length).toBeGreaterThan(count / 70);
    const ids = read
      .join('')
      .match(/^id: \d+$/gm)!
      .map((line) => Number(line.slice(4)));
    expect(ids).toEqual(Array.from({ length: count }, (_, index) => index + 1));
  });

  it('does not hold a ready frame back for one that comes later: each batch goes out when the producer waits', async () => {
    let release: () => void = () => undefined;
    const later = new Promise<void>((resolve) => (release = resolve));
    const response = sseResponse(async function* () {
      yield frame(1);
      yield frame(2);
      await later;
      yield frame(3);
    }, options);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe('id: 1\nevent: step\ndata: {"n":1}\n\nid: 2\nevent: step\ndata: {"n":2}\n\n');
    release();
    const second = await reader.read();
    expect(decoder.decode(second.value)).toBe('id: 3\nevent: step\ndata: {"n":3}\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('a producer that fails after some frames: what it had ready is sent, then the stream ends and the error is reported', async () => {
    const errors: unknown[] = [];
    const response = sseResponse(
      async function* () {
        yield frame(1);
        throw new Error('boom');
      },
      { ...options, onError: (error) => errors.push(error) },
    );
    expect(await chunks(response)).toEqual(['id: 1\nevent: step\ndata: {"n":1}\n\n']);
    expect(errors).toHaveLength(1);
  });
});
