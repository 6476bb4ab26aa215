import { z } from 'zod';
import { defineTool } from '../../src/sdk/define-tool.ts';

/** An `unsafe` tool that runs only once a person approves each call: the privacy tests' approval. */
export const refundOnceApproved = defineTool({
  name: 'refund',
  description: 'Refund, once a person approves',
  input: z.object({ note: z.string() }),
  effect: 'unsafe',
  approval: 'always',
  execute: () => ({ refunded: true }),
});
