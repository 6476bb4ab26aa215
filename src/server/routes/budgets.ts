import { z } from '@hono/zod-openapi';
import { KeelError } from '../../errors/index.ts';
import { budgetPeriods, budgetScopes } from '../../store/budget-rules.ts';
import type { BudgetScope, BudgetStatus } from '../../store/budget-store.ts';
import { budgetView, deleteBudget, maxBudgetLimitUsd, setBudget } from '../../cost/budgets.ts';
import type { RouteContext, RouteModule } from '../server-types.ts';
import { idSchema } from '../schemas.ts';
import { keyActor } from '../auth/actor.ts';
import { registerRoute } from './define-route.ts';

// The scope is validated in the handler, not the path schema: an unknown scope is bad input
// (400), while a path that fails its schema would be answered as not found.
const BudgetParams = z.object({
  scope: z.string().openapi({ param: { name: 'scope', in: 'path' }, example: 'user', description: budgetScopes.join(' | ') }),
  id: idSchema.openapi({
    param: { name: 'id', in: 'path' },
    example: 'user_42',
    description: 'The user id, agent name or session id; for `tenant`, your tenant id',
  }),
});

const PutBudgetBody = z
  .strictObject({
    limitUsd: z
      .number()
      .min(0)
      .max(maxBudgetLimitUsd)
      .openapi({ example: 25, description: `USD per period, at most ${maxBudgetLimitUsd}` }),
    period: z.enum(budgetPeriods as ['day', 'month', 'total']).openapi({ description: 'UTC day, UTC month, or no reset' }),
  })
  .openapi('PutBudget');

const ListBudgetsQuery = z.object({
  scope: z.enum(budgetScopes as ['tenant', 'user', 'agent', 'session']).optional(),
});

export const BudgetSchema = z
  .object({
    scope: z.enum(budgetScopes as ['tenant', 'user', 'agent', 'session']),
    scopeId: z.string(),
    period: z.enum(budgetPeriods as ['day', 'month', 'total']),
    limitUsd: z.number(),
    spentUsd: z.number().openapi({ description: 'Settled spend in the current period' }),
    reservedUsd: z.number().openapi({ description: 'Held by model calls in flight' }),
    periodStart: z.string().nullable().openapi({ description: 'Start of the current period (ISO 8601), null for `total`' }),
    updatedAt: z.string(),
  })
  .openapi('Budget');

const BudgetList = z.object({ data: z.array(BudgetSchema) }).openapi('BudgetList');

function budgetScope(scope: string): BudgetScope {
  if (!(budgetScopes as readonly string[]).includes(scope)) {
    throw new KeelError({ code: 'INPUT_INVALID', message: `Unknown budget scope "${scope}"`, details: { scope, allowed: budgetScopes } });
  }
  return scope as BudgetScope;
}

/** A tenant budget is the caller's own tenant: another tenant's id is simply not found. */
function assertOwnTenant(tenantId: string, scope: BudgetScope, scopeId: string): void {
  if (scope === 'tenant' && scopeId !== tenantId) throw new KeelError({ code: 'BUDGET_NOT_FOUND', message: `No tenant budget "${scopeId}"` });
}

async function findBudget(context: RouteContext, tenantId: string, scope: BudgetScope, scopeId: string): Promise<BudgetStatus | undefined> {
  const [status] = await context.store.listBudgets(tenantId, { scope, scopeId, now: new Date() });
  return status;
}

/** `GET /v1/budgets`, `GET /v1/budgets/{scope}/{id}`, `PUT /v1/budgets/{scope}/{id}`, `DELETE /v1/budgets/{scope}/{id}`. */
export const budgetRoutes: RouteModule = {
  name: 'budgets',
  register(app, context) {
    registerRoute(app, {
      method: 'get',
      path: '/v1/budgets',
      tags: ['budgets'],
      summary: "The tenant's budgets, with their spend in the current period",
      permission: 'budgets:read',
      request: { query: ListBudgetsQuery },
      responses: { 200: { description: 'Widest scope first', content: { 'application/json': { schema: BudgetList } } } },
      async handler(c, { query }) {
        const statuses = await context.store.listBudgets(c.get('principal').tenantId, { ...query, now: new Date() });
        return c.json({ data: statuses.map(budgetView) });
      },
    });

    registerRoute(app, {
      method: 'get',
      path: '/v1/budgets/{scope}/{id}',
      tags: ['budgets'],
      summary: 'One budget, with its spend in the current period',
      permission: 'budgets:read',
      notFoundCode: 'BUDGET_NOT_FOUND',
      request: { params: BudgetParams },
      responses: { 200: { description: 'The budget', content: { 'application/json': { schema: BudgetSchema } } } },
      async handler(c, { params }) {
        const { tenantId } = c.get('principal');
        const scope = budgetScope(params.scope);
        assertOwnTenant(tenantId, scope, params.id);
        const status = await findBudget(context, tenantId, scope, params.id);
        if (status === undefined) throw new KeelError({ code: 'BUDGET_NOT_FOUND', message: `No ${scope} budget "${params.id}"` });
        return c.json(budgetView(status));
      },
    });

    registerRoute(app, {
      method: 'put',
      path: '/v1/budgets/{scope}/{id}',
      tags: ['budgets'],
      summary: 'Set the budget of a tenant, user, agent or session',
      description:
        'Creates or replaces the budget. Every model call is reserved against each budget that covers it before it is made; a run that ' +
        'cannot be reserved waits with reason `budget`. Raising a limit (or changing the period) queues those runs again.',
      permission: 'budgets:write',
      notFoundCode: 'BUDGET_NOT_FOUND',
      request: { params: BudgetParams, body: PutBudgetBody },
      responses: { 200: { description: 'The budget as it now stands', content: { 'application/json': { schema: BudgetSchema } } } },
      async handler(c, { params, body }) {
        const { tenantId } = c.get('principal');
        const scope = budgetScope(params.scope);
        assertOwnTenant(tenantId, scope, params.id);
        const { budget, requeued } = await setBudget(context.store, {
          tenantId,
          scope,
          scopeId: params.id,
          limitUsd: body.limitUsd,
          period: body.period,
          actor: keyActor(c.get('principal')),
        });
        if (requeued.length > 0) c.get('log').info({ scope, scopeId: params.id, requeued: requeued.length }, 'budget raised: waiting runs queued again');
        return c.json(budgetView(budget));
      },
    });

    registerRoute(app, {
      method: 'delete',
      path: '/v1/budgets/{scope}/{id}',
      tags: ['budgets'],
      summary: 'Delete the budget of a tenant, user, agent or session',
      description:
        'Model calls are no longer checked against it. Runs waiting with reason `budget` are queued again; one that another budget ' +
        'still blocks parks again. Spend stays in the usage ledger: a budget set again later sees it.',
      permission: 'budgets:write',
      notFoundCode: 'BUDGET_NOT_FOUND',
      request: { params: BudgetParams },
      responses: { 204: { description: 'Deleted' } },
      async handler(c, { params }) {
        const { tenantId } = c.get('principal');
        const scope = budgetScope(params.scope);
        assertOwnTenant(tenantId, scope, params.id);
        const { deleted, requeued } = await deleteBudget(context.store, { tenantId, scope, scopeId: params.id, actor: keyActor(c.get('principal')) });
        if (!deleted) throw new KeelError({ code: 'BUDGET_NOT_FOUND', message: `No ${scope} budget "${params.id}"` });
        if (requeued.length > 0) c.get('log').info({ scope, scopeId: params.id, requeued: requeued.length }, 'budget deleted: waiting runs queued again');
        return c.body(null, 204);
      },
    });
  },
};
