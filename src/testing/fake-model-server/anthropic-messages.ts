import {
  asArray,
  asRecord,
  asString,
  contentText,
  splitArguments,
  splitIntoDeltas,
  type ProtocolHandler,
  type RenderContext,
  type ScriptedReply,
  type SseEvent,
} from './protocol.ts';
import type { FakeMessage, FakeToolSpec } from './types.ts';

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

function parseMessage(value: unknown): FakeMessage[] {
  const message = asRecord(value);
  const role = message.role === 'assistant' ? 'assistant' : 'user';
  if (typeof message.content === 'string') return [{ role, content: message.content }];
  const blocks = asArray(message.content).map(asRecord);
  const text = blocks
    .filter((block) => block.type === 'text')
    .map((block) => asString(block.text))
    .join('');
  if (role === 'assistant') {
    const toolCalls = blocks
      .filter((block) => block.type === 'tool_use')
      .map((block) => ({ id: asString(block.id), name: asString(block.name), arguments: JSON.stringify(block.input ?? {}) }));
    return [toolCalls.length > 0 ? { role, content: text, toolCalls } : { role, content: text }];
  }
  // Anthropic returns tool results inside a user message; flatten them into tool messages.
  const messages: FakeMessage[] = blocks
    .filter((block) => block.type === 'tool_result')
    .map((block) => ({
      role: 'tool',
      content: contentText(block.content),
      toolCallId: asString(block.tool_use_id),
      ...(block.is_error === true ? { isError: true } : {}),
    }));
  if (text !== '' || messages.length === 0) messages.push({ role: 'user', content: text });
  return messages;
}

function parseTool(value: unknown): FakeToolSpec {
  const tool = asRecord(value);
  const description = typeof tool.description === 'string' ? tool.description : undefined;
  return { name: asString(tool.name), ...(description === undefined ? {} : { description }), inputSchema: tool.input_schema };
}

/** Anthropic counts cached tokens apart from `input_tokens`; Keel's turns count them inside. */
function usageBody(reply: ScriptedReply) {
  const { inputTokens, outputTokens, cachedTokens } = reply.usage;
  return {
    input_tokens: Math.max(0, inputTokens - cachedTokens),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cachedTokens,
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

function toolInput(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function stopReason(reply: ScriptedReply): string {
  return reply.toolCalls.length > 0 ? 'tool_use' : 'end_turn';
}

function messageId(context: RenderContext): string {
  return `msg_fake${context.sequence}`;
}

/** `POST /v1/messages`, as `createAnthropic()` calls it. */
export const anthropicMessagesProtocol: ProtocolHandler = {
  protocol: 'anthropic-messages',
  toolCallIdPrefix: 'toolu_',

  parseRequest(body) {
    const system = contentText(body.system);
    return {
      model: asString(body.model),
      messages: [...(system === '' ? [] : [{ role: 'system' as const, content: system }]), ...asArray(body.messages).flatMap(parseMessage)],
      tools: asArray(body.tools).map(parseTool),
      stream: body.stream === true,
      includeUsage: true,
    };
  },

  renderResponse(reply, context) {
    const content: unknown[] = reply.text === '' ? [] : [{ type: 'text', text: reply.text }];
    for (const call of reply.toolCalls) content.push({ type: 'tool_use', id: call.id, name: call.name, input: toolInput(call.arguments) });
    return {
      id: messageId(context),
      type: 'message',
      role: 'assistant',
      model: context.model,
      content,
      stop_reason: stopReason(reply),
      stop_sequence: null,
      usage: usageBody(reply),
    };
  },

  renderEvents(reply, context) {
    const events: SseEvent[] = [];
    const emit = (type: string, body: Record<string, unknown> = {}) => {
      events.push({ event: type, data: JSON.stringify({ type, ...body }) });
    };
    const usage = usageBody(reply);
    emit('message_start', {
      message: {
        id: messageId(context),
        type: 'message',
        role: 'assistant',
        model: context.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    });
    emit('ping');
    let index = 0;
    if (reply.text !== '') {
      emit('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const piece of splitIntoDeltas(reply.text, reply.deltaSize)) emit('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      emit('content_block_stop', { index });
      index += 1;
    }
    for (const call of reply.toolCalls) {
      emit('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
      emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } });
      for (const piece of splitArguments(call.arguments)) {
        emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
      }
      emit('content_block_stop', { index });
      index += 1;
    }
    emit('message_delta', { delta: { stop_reason: stopReason(reply), stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
    emit('message_stop');
    return events;
  },

  errorBody(status, message) {
    return { type: 'error', error: { type: errorTypes[status] ?? 'api_error', message } };
  },
};
