import { openaiErrorBody } from './openai-chat.ts';
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

function parseInput(body: Record<string, unknown>): FakeMessage[] {
  const messages: FakeMessage[] = [];
  if (typeof body.instructions === 'string') messages.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') return [...messages, { role: 'user', content: body.input }];
  for (const value of asArray(body.input)) {
    const item = asRecord(value);
    if (item.type === 'function_call') {
      // Responses lists a call as its own item; attach it to the assistant turn it belongs to.
      const call = { id: asString(item.call_id), name: asString(item.name), arguments: asString(item.arguments) };
      const last = messages.at(-1);
      if (last?.role === 'assistant') last.toolCalls = [...(last.toolCalls ?? []), call];
      else messages.push({ role: 'assistant', content: '', toolCalls: [call] });
    } else if (item.type === 'function_call_output') {
      messages.push({ role: 'tool', content: contentText(item.output), toolCallId: asString(item.call_id) });
    } else if (typeof item.role === 'string') {
      const role = item.role === 'developer' || item.role === 'system' ? 'system' : item.role === 'assistant' ? 'assistant' : 'user';
      messages.push({ role, content: contentText(item.content) });
    }
  }
  return messages;
}

function parseTool(value: unknown): FakeToolSpec {
  const tool = asRecord(value);
  const description = typeof tool.description === 'string' ? tool.description : undefined;
  return { name: asString(tool.name), ...(description === undefined ? {} : { description }), inputSchema: tool.parameters };
}

function usageBody(reply: ScriptedReply) {
  const { inputTokens, outputTokens, cachedTokens } = reply.usage;
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: cachedTokens },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + outputTokens,
  };
}

interface OutputIds {
  messageId: string;
  functionCallIds: string[];
}

function outputIds(reply: ScriptedReply, context: RenderContext): OutputIds {
  return {
    messageId: `msg_fake${context.sequence}`,
    functionCallIds: reply.toolCalls.map((_, index) => `fc_fake${context.sequence}_${index}`),
  };
}

function messageItem(id: string, text: string) {
  return {
    id,
    type: 'message',
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
  };
}

function outputItems(reply: ScriptedReply, ids: OutputIds): unknown[] {
  const items: unknown[] = reply.text === '' ? [] : [messageItem(ids.messageId, reply.text)];
  reply.toolCalls.forEach((call, index) => {
    items.push({ id: ids.functionCallIds[index], type: 'function_call', status: 'completed', call_id: call.id, name: call.name, arguments: call.arguments });
  });
  return items;
}

function responseBody(reply: ScriptedReply, context: RenderContext, created: number, status: string, output: unknown[]) {
  return {
    id: `resp_fake${context.sequence}`,
    object: 'response',
    created_at: created,
    status,
    error: null,
    incomplete_details: null,
    instructions: null,
    model: context.model,
    output,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage: status === 'completed' ? usageBody(reply) : null,
  };
}

/** `POST /v1/responses`, the OpenAI API `createOpenAI()(model)` uses by default. */
export const openaiResponsesProtocol: ProtocolHandler = {
  protocol: 'openai-responses',
  toolCallIdPrefix: 'call_',

  parseRequest(body) {
    return {
      model: asString(body.model),
      messages: parseInput(body),
      tools: asArray(body.tools)
        .filter((tool) => asRecord(tool).type === 'function')
        .map(parseTool),
      stream: body.stream === true,
      includeUsage: true,
    };
  },

  renderResponse(reply, context) {
    return responseBody(reply, context, unixSeconds(), 'completed', outputItems(reply, outputIds(reply, context)));
  },

  renderEvents(reply, context) {
    const created = unixSeconds();
    const ids = outputIds(reply, context);
    const events: SseEvent[] = [];
    const emit = (type: string, body: Record<string, unknown>) => {
      events.push({ event: type, data: JSON.stringify({ type, sequence_number: events.length, ...body }) });
    };
    emit('response.created', { response: responseBody(reply, context, created, 'in_progress', []) });
    emit('response.in_progress', { response: responseBody(reply, context, created, 'in_progress', []) });
    let outputIndex = 0;
    if (reply.text !== '') {
      const item = { output_index: outputIndex, item_id: ids.messageId };
      emit('response.output_item.added', {
        output_index: outputIndex,
        item: { id: ids.messageId, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
      });
      emit('response.content_part.added', { ...item, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      for (const piece of splitIntoDeltas(reply.text, reply.deltaSize))
        emit('response.output_text.delta', { ...item, content_index: 0, delta: piece, logprobs: [] });
      emit('response.output_text.done', { ...item, content_index: 0, text: reply.text, logprobs: [] });
      emit('response.content_part.done', { ...item, content_index: 0, part: { type: 'output_text', text: reply.text, annotations: [] } });
      emit('response.output_item.done', { output_index: outputIndex, item: messageItem(ids.messageId, reply.text) });
      outputIndex += 1;
    }
    reply.toolCalls.forEach((call, index) => {
      const id = ids.functionCallIds[index];
      const base = { id, type: 'function_call', call_id: call.id, name: call.name };
      emit('response.output_item.added', { output_index: outputIndex, item: { ...base, arguments: '', status: 'in_progress' } });
      for (const piece of splitArguments(call.arguments)) {
        emit('response.function_call_arguments.delta', { item_id: id, output_index: outputIndex, delta: piece });
      }
      emit('response.function_call_arguments.done', { item_id: id, output_index: outputIndex, arguments: call.arguments });
      emit('response.output_item.done', { output_index: outputIndex, item: { ...base, arguments: call.arguments, status: 'completed' } });
      outputIndex += 1;
    });
    emit('response.completed', { response: responseBody(reply, context, created, 'completed', outputItems(reply, ids)) });
    return events;
  },

  errorBody: openaiErrorBody,
};
