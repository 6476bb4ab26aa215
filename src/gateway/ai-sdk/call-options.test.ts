import { describe, expect, it } from 'vitest';
import type { ModelMessage } from '../../journal/messages.ts';
import { toCallOptions } from './call-options.ts';

const assistant: ModelMessage = {
  role: 'assistant',
  content: '',
  toolCalls: [
    { callId: 'a', toolName: 'read', arguments: '{"id":1}' },
    { callId: 'b', toolName: 'read', arguments: '{"id":2}' },
  ],
};
const first: ModelMessage = { role: 'tool', callId: 'a', toolName: 'read', content: { id: 1 } };
const second: ModelMessage = { role: 'tool', callId: 'b', toolName: 'read', content: { id: 2 } };

describe('toCallOptions on a growing conversation', () => {
  it('converts each message once: a later call reuses the parts of the messages it already saw', () => {
    const before = toCallOptions({ messages: [{ role: 'user', content: 'hi' }, assistant, first] });
    const after = toCallOptions({ messages: [{ role: 'user', content: 'again' }, assistant, first, second] });
    expect(after.prompt[1]).toBe(before.prompt[1]);
    const [earlier] = before.prompt[2]?.content as unknown[];
    expect((after.prompt[2]?.content as unknown[])[0]).toBe(earlier);
  });

  it('groups parallel results in a new tool message each time, never changing one handed out before', () => {
    const both = toCallOptions({ messages: [assistant, first, second] });
    expect(both.prompt).toHaveLength(2);
    expect(both.prompt[1]).toMatchObject({ role: 'tool', content: [{ toolCallId: 'a' }, { toolCallId: 'b' }] });
    const one = toCallOptions({ messages: [assistant, first] });
    expect(one.prompt[1]).toMatchObject({ role: 'tool', content: [{ toolCallId: 'a', output: { type: 'json', value: { id: 1 } } }] });
    expect(one.prompt[1]?.content).toHaveLength(1);
    expect(both.prompt[1]?.content).toHaveLength(2);
  });
});
