import type { Model, ModelMessage, ModelRequest, ModelResponse, ModelStreamPart, ModelToolCall } from 'keel';

/**
 * A scripted, deterministic stand-in for a real model, so the example runs with no API key.
 * It is NOT a language model: it follows a fixed script over the conversation.
 *
 * - mentions an order number (3+ digits) → calls `lookup_order`, then `get_shipping_status`;
 * - asks for a refund → calls `issue_refund` for the order's total;
 * - then answers in plain text, summarising what the tools returned.
 *
 * Keel's CLI recognises its provider name, `keel-demo`, and says on stderr that it is in use.
 *
 * @example
 * const model = createDemoModel({ delayMs: 0 });
 * const response = await model.generate({ messages: [{ role: 'user', content: 'Where is order 1001?' }] });
 */
export function createDemoModel(options: { delayMs?: number } = {}): Model {
  const delayMs = options.delayMs ?? 20;
  const model: Model = {
    provider: 'keel-demo',
    modelId: 'scripted-support',
    async generate(request) {
      return respond(request);
    },
    async *stream(request): AsyncIterable<ModelStreamPart> {
      const response = respond(request);
      // Small word-sized deltas, paced a little, so streaming is visible in a terminal.
      for (const chunk of response.text.match(/\S+\s*/g) ?? []) {
        request.signal?.throwIfAborted();
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        yield { type: 'text-delta', text: chunk };
      }
      yield { type: 'response', response };
    },
  };
  return model;
}

/** The instance the example config uses. */
export const demoModel: Model = createDemoModel();

function respond(request: ModelRequest): ModelResponse {
  const turn = currentTurn(request.messages);
  const available = new Set((request.tools ?? []).map((tool) => tool.name));
  const orderId = /\b(\d{3,})\b/.exec(turn.userText)?.[1];
  const wantsRefund = /\brefund|money back\b/i.test(turn.userText);
  const order = turn.results.get('lookup_order');

  const next = (toolName: string, input: Record<string, unknown>): ModelResponse | undefined =>
    available.has(toolName) && !turn.results.has(toolName) ? toolCall(request, turn.assistantTurns, toolName, input) : undefined;

  if (orderId !== undefined) {
    const call =
      next('lookup_order', { orderId }) ??
      (order?.ok === true && order.value.found === true ? next('get_shipping_status', { orderId }) : undefined) ??
      (wantsRefund && order?.ok === true && order.value.found === true
        ? next('issue_refund', { orderId, amountUsd: order.value.totalUsd, reason: 'Customer asked for a refund' })
        : undefined);
    if (call !== undefined) return call;
  }
  return answer(request, summarise(orderId, turn.results));
}

type ToolOutcome = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/** What the current user message asked, and what the tools returned since then. */
function currentTurn(messages: ModelMessage[]) {
  const lastUser = messages.findLastIndex((message) => message.role === 'user');
  const since = messages.slice(lastUser + 1);
  const results = new Map<string, ToolOutcome>();
  for (const message of since) {
    if (message.role !== 'tool') continue;
    const content = typeof message.content === 'string' ? safeJson(message.content) : message.content;
    const record = (typeof content === 'object' && content !== null ? content : {}) as Record<string, unknown>;
    const error = record.error as { message?: unknown } | undefined;
    results.set(message.toolName, message.isError === true ? { ok: false, message: String(error?.message ?? 'failed') } : { ok: true, value: record });
  }
  const user = messages[lastUser];
  return {
    userText: user?.role === 'user' ? user.content : '',
    results,
    assistantTurns: since.filter((message) => message.role === 'assistant').length,
  };
}

function summarise(orderId: string | undefined, results: Map<string, ToolOutcome>): string {
  if (orderId === undefined) return 'I can help with orders, deliveries and refunds. What is your order number?';
  const order = results.get('lookup_order');
  if (order === undefined) return `I cannot look orders up right now, sorry. Your order number is ${orderId}.`;
  if (!order.ok) return `I could not look up order ${orderId}: ${order.message}`;
  if (order.value.found !== true) return `I could not find an order ${orderId}. Could you check the number?`;

  const items = Array.isArray(order.value.items) ? order.value.items.join(', ') : 'your items';
  const parts = [`Order ${orderId} (${items}, ${usd(order.value.totalUsd)}) is ${String(order.value.status)}.`];
  const shipping = results.get('get_shipping_status');
  if (shipping?.ok === true && shipping.value.carrier !== undefined) {
    parts.push(
      `${String(shipping.value.carrier)} tracking ${String(shipping.value.trackingNumber)}: ${String(shipping.value.status)}, expected ${String(shipping.value.estimatedDelivery)}.`,
    );
  } else if (shipping?.ok === true) {
    parts.push('It has not been handed to a carrier yet.');
  }
  const refund = results.get('issue_refund');
  if (refund?.ok === true) parts.push(`I have refunded ${usd(refund.value.amountUsd)} (refund ${String(refund.value.refundId)}).`);
  if (refund?.ok === false) parts.push(`I could not issue the refund: ${refund.message}`);
  return parts.join(' ');
}

function toolCall(request: ModelRequest, assistantTurns: number, toolName: string, input: Record<string, unknown>): ModelResponse {
  const call: ModelToolCall = { callId: `demo_${assistantTurns + 1}_${toolName}`, toolName, arguments: JSON.stringify(input) };
  return { text: '', toolCalls: [call], finishReason: 'tool-calls', usage: usage(request, call.arguments), modelId: 'scripted-support', provider: 'keel-demo' };
}

function answer(request: ModelRequest, text: string): ModelResponse {
  return { text, toolCalls: [], finishReason: 'stop', usage: usage(request, text), modelId: 'scripted-support', provider: 'keel-demo' };
}

/** A rough, deterministic token count (4 characters a token), so usage lines show something real-looking. */
function usage(request: ModelRequest, output: string) {
  const input = request.messages.reduce((sum, message) => sum + JSON.stringify(message).length, 0);
  return { inputTokens: Math.ceil(input / 4), outputTokens: Math.ceil(output.length / 4), cachedTokens: 0 };
}

function usd(value: unknown): string {
  return typeof value === 'number' ? `$${value.toFixed(2)}` : `$${String(value)}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { text };
  }
}
