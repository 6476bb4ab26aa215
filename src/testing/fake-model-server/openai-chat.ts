import {
  asArray,
  asRecord,
  asString,
  contentText,
  splitArguments,
  splitIntoDeltas,
  unixSeconds,
  type ProtocolHandler,
  type RenderContext,
  type ScriptedReply,
  type SseEvent,
} from './protocol.ts';
import type { FakeMessage, FakeToolSpec } from './types.ts';

/** OpenAI's error envelope, shared by Chat Completions and Responses. */
export function openaiErrorBody(status: number, message: string, code?: string): unknown {
  const [type, defaultCode] =
    status === 429
      ? ['requests', 'rate_limit_exceeded']
      : status === 401
        ? ['invalid_request_error', 'invalid_api_key']
        : status >= 500
          ? ['server_error', null]
          : ['invalid_request_error', null];
  return { error: { message, type, param: code === 'context_length_exceeded' ? 'messages' : null, code: code ?? defaultCode } };
}

function parseMessage(value: unknown): FakeMessage {
  const message = asRecord(value);
  const role = asString(message.role);
  const content = contentText(message.content);
  if (role === 'system' || role === 'developer') return { role: 'system', content };
  if (role === 'tool') return { role: 'tool', content, toolCallId: asString(message.tool_call_id) };
  if (role === 'assistant') {
    const toolCalls = asArray(message.tool_calls).map((call) => {
      const fn = asRecord(asRecord(call).function);
      return { id: asString(asRecord(call).id), name: asString(fn.name), arguments: asString(fn.arguments) };
    });
    return toolCalls.length > 0 ? { role, content, toolCalls } : { role, content };
  }
  return { role: 'user', content };
}

function parseTool(value: unknown): FakeToolSpec {
  const fn = asRecord(asRecord(value).function);
  const description = typeof fn.description === 'string' ? fn.description : undefined;
  return { name: asString(fn.name), ...(description === undefined ? {} : { description }), inputSchema: fn.parameters };
}

function usageBody(reply: ScriptedReply) {
  const { inputTokens, outputTokens, cachedTokens } = reply.usage;
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function finishReason(reply: ScriptedReply): string {
  return reply.toolCalls.length > 0 ? 'tool_calls' : 'stop';
}

function chunk(context: RenderContext, created: number, body: Record<string, unknown>): SseEvent {
  const envelope = {
    id: `chatcmpl-fake${context.sequence}`,
    object: 'chat.completion.chunk',
    created,
    model: context.model,
    system_fingerprint: 'fp_fake',
    ...body,
  };
  return { data: JSON.stringify(envelope) };
}

function delta(context: RenderContext, created: number, value: Record<string, unknown>, finish: string | null = null): SseEvent {
  return chunk(context, created, { choices: [{ index: 0, delta: value, logprobs: null, finish_reason: finish }] });
}

/** `POST /v1/chat/completions`, as `createOpenAI().chat()` and `createOpenAICompatible()` call it. */
export const openaiChatProtocol: ProtocolHandler = {
  protocol: 'openai-chat',
  toolCallIdPrefix: 'call_',

  parseRequest(body) {
    return {
      model: asString(body.model),
      messages: asArray(body.messages).map(parseMessage),
      tools: asArray(body.tools).map(parseTool),
      stream: body.stream === true,
      includeUsage: asRecord(body.stream_options).include_usage === true,
    };
  },

  renderResponse(reply, context) {
    const toolCalls = reply.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
    return {
      id: `chatcmpl-fake${context.sequence}`,
      object: 'chat.completion',
      created: unixSeconds(),
      model: context.model,
      system_fingerprint: 'fp_fake',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: reply.text === '' && toolCalls.length > 0 ? null : reply.text,
            refusal: null,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          },
          logprobs: null,
          finish_reason: finishReason(reply),
        },
      ],
      usage: usageBody(reply),
    };
  },

  renderEvents(reply, context) {
    const created = unixSeconds();
    const events: SseEvent[] = [delta(context, created, { role: 'assistant', content: '', refusal: null })];
    for (const piece of splitIntoDeltas(reply.text, reply.deltaSize)) events.push(delta(context, created, { content: piece }));
    reply.toolCalls.forEach((call, index) => {
      const start = { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
      events.push(delta(context, created, { tool_calls: [start] }));
      for (const piece of splitArguments(call.arguments)) {
        events.push(delta(context, created, { tool_calls: [{ index, function: { arguments: piece } }] }));
      }
    });
    events.push(delta(context, created, {}, finishReason(reply)));
    // OpenAI sends usage in a final chunk with no choices, and only when the client asked for it.
    if (context.includeUsage) events.push(chunk(context, created, { choices: [], usage: usageBody(reply) }));
    events.push({ data: '[DONE]' });
    return events;
  },

  errorBody: openaiErrorBody,
};
