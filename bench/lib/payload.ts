/**
 * The payload every durable-step bench writes: a JSON tool result of about 1.5 KB, the size the
 * platform decision in SPEC §12 was measured with. Deterministic, so runs compare.
 */
export function benchPayload(index = 0): Record<string, unknown> {
  const lines = Array.from({ length: 17 }, (_, line) => ({
    sku: `SKU-${(index * 17 + line).toString().padStart(6, '0')}`,
    name: `Item ${line} of order ${index}`,
    quantity: (line % 4) + 1,
    priceCents: 1999 + line * 100,
  }));
  return { orderId: `ord_${index.toString().padStart(8, '0')}`, status: 'shipped', carrier: 'bench-express', lines };
}

/** Bytes of the payload as JSON. */
export function payloadBytes(payload: unknown): number {
  return Buffer.byteLength(JSON.stringify(payload));
}
