import { z } from '@hono/zod-openapi';
import { KeelError } from '../../errors/index.ts';
import { idSchema } from '../schemas.ts';

const TextPart = z.object({ type: z.literal('text'), text: z.string() });

const Content = z.union([z.string(), z.array(z.union([TextPart, z.object({ type: z.string() }).passthrough()])), z.null()]);

const Message = z
  .object({ role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']), content: Content.optional(), name: z.string().optional() })
  .passthrough();

/**
 * The part of OpenAI's Chat Completions request Keel honours. Sampling parameters and the like
 * are accepted and ignored: the agent's own settings apply. Client-side tools are refused: the
 * agent's tools run inside Keel and are never handed to the client.
 */
export const ChatCompletionRequest = z
  .object({
    model: idSchema.openapi({ description: 'The agent name' }),
    messages: z.array(Message).min(1).max(1000),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullable().optional(),
    user: idSchema.optional().openapi({ description: 'The end user (userId); default "anonymous"' }),
    n: z.literal(1).nullable().optional(),
    tools: z.array(z.unknown()).max(0, "tools are not supported: the agent's own tools run inside Keel").nullable().optional(),
    functions: z.array(z.unknown()).max(0, "functions are not supported: the agent's own tools run inside Keel").nullable().optional(),
  })
  .passthrough()
  .openapi('ChatCompletionRequest');

export type ChatCompletionRequest = z.output<typeof ChatCompletionRequest>;
type ChatMessage = ChatCompletionRequest['messages'][number];

function textOf(message: ChatMessage): string {
  const content = message.content ?? '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      if (part.type !== 'text' || typeof part.text !== 'string') {
        throw new KeelError({ code: 'INPUT_INVALID', message: `Only text content is supported (got a "${part.type}" part)` });
      }
      return part.text;
    })
    .join('');
}

/**
 * The run input for a chat request (docs/adr/0010-openai-compatible-endpoint.md). The last
 * message must come from the user; it is the input. Earlier messages are the conversation so
 * far: in a new session they are quoted ahead of it, so the agent sees what the client's user
 * saw; when the request continues a Keel session, the session's own history is used instead.
 */
export function chatRunInput(request: ChatCompletionRequest, continuesSession: boolean): string {
  const last = request.messages.at(-1);
  const input = last === undefined ? '' : textOf(last);
  if (last?.role !== 'user' || input.trim() === '') {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'The last message must be a non-empty user message', details: { in: 'body', path: 'messages' } });
  }
  const earlier = request.messages.slice(0, -1);
  if (continuesSession || earlier.length === 0) return input;
  const transcript = earlier.map((message) => `${message.role}: ${textOf(message)}`).join('\n\n');
  return `The conversation so far:\n\n${transcript}\n\nThe user's new message:\n\n${input}`;
}
