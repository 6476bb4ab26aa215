import { defineAgent, defineConfig, defineTool } from 'keel';
import { z } from 'zod';
import { demoModel } from './demo-model.ts';
import { createRefundLedger } from './refund-ledger.ts';

/** A tiny in-file order table standing in for the shop's database. */
const orders: Record<string, { customer: string; items: string[]; totalUsd: number; status: 'processing' | 'shipped' | 'delivered' }> = {
  '1001': { customer: 'Ana Silva', items: ['Trail running shoes'], totalUsd: 89.9, status: 'shipped' },
  '1002': { customer: 'Ben Okafor', items: ['Rain jacket', 'Wool socks'], totalUsd: 134.5, status: 'processing' },
  '1003': { customer: 'Chen Wei', items: ['Headlamp'], totalUsd: 24, status: 'delivered' },
};

const shipments: Record<string, { carrier: string; trackingNumber: string; status: string; estimatedDelivery: string }> = {
  '1001': { carrier: 'UPS', trackingNumber: '1Z999AA10123456784', status: 'in transit', estimatedDelivery: '2025-06-14' },
  '1003': { carrier: 'DHL', trackingNumber: 'JD014600006281230', status: 'delivered', estimatedDelivery: '2025-06-02' },
};

// Refunds must survive the process (and a crash), so they go to a file, not memory.
const refunds = createRefundLedger({ path: '.keel/example-refunds.jsonl' });

const lookupOrder = defineTool({
  name: 'lookup_order',
  description: 'Look an order up by its number: customer, items, total and status.',
  input: z.object({ orderId: z.string().describe('The order number, e.g. "1001"') }),
  effect: 'read',
  execute({ orderId }) {
    const order = orders[orderId];
    return order === undefined ? { found: false, orderId } : { found: true, orderId, ...order };
  },
});

const getShippingStatus = defineTool({
  name: 'get_shipping_status',
  description: 'Carrier, tracking number and delivery estimate of an order.',
  input: z.object({ orderId: z.string() }),
  effect: 'read',
  execute({ orderId }) {
    return shipments[orderId] ?? { orderId, shipped: false };
  },
});

const issueRefund = defineTool({
  name: 'issue_refund',
  description: 'Refund an order, fully or partly. Only when the customer asks for it.',
  input: z.object({ orderId: z.string(), amountUsd: z.number().positive(), reason: z.string() }),
  output: z.object({ refundId: z.string(), orderId: z.string(), amountUsd: z.number() }),
  effect: 'unsafe',
  timeoutMs: 10_000,
  async execute({ orderId, amountUsd, reason }, ctx) {
    const order = orders[orderId];
    if (order === undefined) throw new Error(`There is no order ${orderId}`);
    if (amountUsd > order.totalUsd) throw new Error(`$${amountUsd} is more than the order's total of $${order.totalUsd}`);
    const earlier = await refunds.findByOrder(orderId);
    if (earlier !== undefined && earlier.idempotencyKey !== ctx.idempotencyKey) throw new Error(`Order ${orderId} was already refunded (${earlier.refundId})`);
    const refund = await refunds.record({ idempotencyKey: ctx.idempotencyKey, orderId, amountUsd, reason });
    ctx.log.info({ refundId: refund.refundId, orderId }, 'refund issued');
    return { refundId: refund.refundId, orderId, amountUsd };
  },
  // After a crash mid-refund, the ledger says whether this exact call went through.
  async reconcile(_input, ctx) {
    const refund = await refunds.findByKey(ctx.idempotencyKey);
    return refund === undefined
      ? { status: 'not-applied' }
      : { status: 'completed', output: { refundId: refund.refundId, orderId: refund.orderId, amountUsd: refund.amountUsd } };
  },
});

export const support = defineAgent({
  name: 'support',
  description: 'Answers questions about orders and deliveries, and issues refunds.',
  // Without an OpenAI key the example runs on a scripted demo model (see demo-model.ts).
  model: process.env.OPENAI_API_KEY ? 'openai:gpt-4o-mini' : demoModel,
  instructions: [
    'You are the customer support agent of an outdoor gear shop.',
    'Look orders up before answering questions about them; never guess an order status.',
    'Issue a refund only when the customer explicitly asks for one, for at most the order total.',
    'Answer briefly and in plain text.',
  ].join('\n'),
  tools: [lookupOrder, getShippingStatus, issueRefund],
  limits: { maxSteps: 8, maxToolCalls: 10 },
});

export default defineConfig({
  agents: [support],
  // The scripted demo model costs nothing: declared free, budgets admit it instead of refusing
  // an unpriced model.
  pricing: { 'keel-demo:scripted-support': { inputPerMTok: 0, outputPerMTok: 0 } },
});
