import { z } from '@hono/zod-openapi';
import { setApprovalPolicy } from '../../oversight/approval-policy.ts';
import { keyActor } from '../auth/actor.ts';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

const maxTools = 500;

export const ApprovalPolicySchema = z
  .strictObject({
    requireApproval: z
      .array(
        z
          .string()
          .regex(/^(\*|[a-zA-Z0-9_-]{1,64})$/, 'a tool name (letters, digits, _ and -, at most 64), or * for every tool')
          .openapi({ example: 'issue_refund' }),
      )
      .max(maxTools)
      .openapi({ description: "Tools whose every call waits for a reviewer in this tenant, whatever the agent says; ['*'] for every tool, [] for none" }),
  })
  .openapi('ApprovalPolicy');

/** `GET /v1/policies/approvals`, `PUT /v1/policies/approvals`: the tenant's approval policy. */
export const policyRoutes: RouteModule = {
  name: 'policies',
  register(app, context) {
    registerRoute(app, {
      method: 'get',
      path: '/v1/policies/approvals',
      tags: ['policies'],
      summary: "The tenant's approval policy: tools that always need a reviewer's approval",
      permission: 'policies:read',
      responses: { 200: { description: 'The policy (empty when none was set)', content: { 'application/json': { schema: ApprovalPolicySchema } } } },
      async handler(c) {
        return c.json(await context.store.getApprovalPolicy(c.get('principal').tenantId));
      },
    });

    registerRoute(app, {
      method: 'put',
      path: '/v1/policies/approvals',
      tags: ['policies'],
      summary: "Replace the tenant's approval policy",
      description:
        'Applies to tool calls made from now on, on every node: each call of a listed tool waits for approval (source `policy`) in ' +
        "addition to the tools' own rules. Calls already waiting or already run are not affected. The change is audited (`policy.update`).",
      permission: 'policies:write',
      request: { body: ApprovalPolicySchema },
      responses: { 200: { description: 'The policy as it now stands', content: { 'application/json': { schema: ApprovalPolicySchema } } } },
      async handler(c, { body }) {
        const principal = c.get('principal');
        return c.json(await setApprovalPolicy(context.store, { tenantId: principal.tenantId, policy: body, actor: keyActor(principal) }));
      },
    });
  },
};
