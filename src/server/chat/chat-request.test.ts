import { describe, expect, it } from 'vitest';
import { ChatCompletionRequest, chatRunInput } from './chat-request.ts';

const request = (messages: unknown[]) => ChatCompletionRequest.parse({ model: 'support', messages });

describe('chatRunInput', () => {
  it('takes the last user message as the input', () => {
    expect(chatRunInput(request([{ role: 'user', content: 'Where is order 1001?' }]), false)).toBe('Where is order 1001?');
    expect(
      chatRunInput(
        request([
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Where is ' },
              { type: 'text', text: '1001?' },
            ],
          },
        ]),
        false,
      ),
    ).toBe('Where is 1001?');
  });

  it('quotes earlier messages ahead of it in a new session, and leaves them to the session otherwise', () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Where is 1001?' },
    ];
    expect(chatRunInput(request(messages), false)).toBe(
      "The conversation so far:\n\nsystem: Be brief.\n\nuser: Hi\n\nassistant: Hello!\n\nThe user's new message:\n\nWhere is 1001?",
    );
    expect(chatRunInput(request(messages), true)).toBe('Where is 1001?');
  });

  it('refuses a last message that is not a non-empty user message, and non-text parts', () => {
    expect(() => chatRunInput(request([{ role: 'assistant', content: 'Hi' }]), false)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => chatRunInput(request([{ role: 'user', content: '  ' }]), false)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => chatRunInput(request([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }]), false)).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
  });
});
