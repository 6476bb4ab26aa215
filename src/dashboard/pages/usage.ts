import { z } from 'zod';
import { roleHas } from '../../server/auth/permissions.ts';
import type { UsageGroupBy, UsageTotals } from '../../store/budget-store.ts';
import type { DashboardPage } from '../dashboard-types.ts';
import { formatCount, formatNanoUsd, formatTime } from '../format.ts';
import { html, type Html } from '../html.ts';
import { layout } from '../layout.ts';
import { parseQuery, timeInput } from '../query-input.ts';
import { requirePermission } from '../session.ts';

const groups = ['agent', 'model', 'user', 'tenant'] as const satisfies readonly UsageGroupBy[];
const groupLabels: Record<(typeof groups)[number], string> = { agent: 'Agent', model: 'Model', user: 'User', tenant: 'Tenant' };

const UsagePageQuery = z
  .object({ groupBy: z.enum(groups).optional(), from: timeInput.optional(), to: timeInput.optional() })
  .strict()
  .refine((query) => query.from === undefined || query.to === undefined || query.from.getTime() <= query.to.getTime(), {
    message: 'from must not be after to',
    path: ['from'],
  });

/**
 * `GET /ui/usage`: the usage ledger grouped by agent, model, user or tenant over a range (as
 * `GET /v1/usage`, `usage:read`), and the tenant's budgets with what is spent and reserved in
 * their current period (as `GET /v1/budgets`, `budgets:read`; a role without it sees no budgets
 * section). Setting budgets stays with the API and `keel`: this page only reads.
 */
export const usagePage: DashboardPage = {
  name: 'usage',
  register(ui, context) {
    ui.get('/usage', async (c) => {
      requirePermission(c, 'usage:read');
      const query = parseQuery(UsagePageQuery, c.req.queries());
      const groupBy = query.groupBy ?? 'agent';
      const principal = c.get('principal');
      const now = new Date();
      const from = query.from ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      const rows = await context.store.queryUsage({ tenantId: principal.tenantId, groupBy, from, ...(query.to === undefined ? {} : { to: query.to }) });
      const budgets = roleHas(principal.role, 'budgets:read') ? await context.store.listBudgets(principal.tenantId, { now }) : undefined;
      const body = html`<form class="filters" method="get" action="/ui/usage" aria-label="Usage range">
          <div>
            <label for="usage-group">Group by</label>
            <select id="usage-group" name="groupBy">
              ${groups.map((group) => html`<option value="${group}" ${group === groupBy ? 'selected' : ''}>${groupLabels[group]}</option>`)}
            </select>
          </div>
          <div>
            <label for="usage-from">From (UTC)</label>
            <input id="usage-from" name="from" type="datetime-local" value="${from.toISOString().slice(0, 16)}" />
          </div>
          <div>
            <label for="usage-to">Before (UTC)</label>
            <input id="usage-to" name="to" type="datetime-local" value="${query.to?.toISOString().slice(0, 16) ?? ''}" />
          </div>
          <button type="submit">Show</button>
        </form>
        ${usageTable(groupLabels[groupBy], rows)}
        ${
          budgets === undefined
            ? ''
            : html`<h2>Budgets</h2>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Scope</th>
                      <th scope="col">Of</th>
                      <th scope="col">Period</th>
                      <th scope="col" class="num">Limit</th>
                      <th scope="col" class="num">Spent</th>
                      <th scope="col" class="num">Reserved</th>
                      <th scope="col" class="num">Used</th>
                      <th scope="col">Period started</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${
                      budgets.length === 0
                        ? html`<tr>
                            <td colspan="8" class="muted">No budgets set. Set them with PUT /v1/budgets or in the config.</td>
                          </tr>`
                        : ''
                    }
                    ${budgets.map((budget) => {
                      const used = budget.limitNanoUsd === 0 ? 100 : (100 * (budget.spentNanoUsd + budget.reservedNanoUsd)) / budget.limitNanoUsd;
                      return html`<tr>
                        <td>${budget.scope}</td>
                        <td>${budget.scopeId}</td>
                        <td>${budget.period}</td>
                        <td class="num">${formatNanoUsd(budget.limitNanoUsd)}</td>
                        <td class="num">${formatNanoUsd(budget.spentNanoUsd)}</td>
                        <td class="num">${formatNanoUsd(budget.reservedNanoUsd)}</td>
                        <td class="num">
                          <meter
                            min="0"
                            max="100"
                            low="80"
                            high="95"
                            optimum="0"
                            value="${Math.min(100, used).toFixed(1)}"
                            aria-label="Share of the budget used"
                          ></meter>
                          ${used.toFixed(1)}%
                        </td>
                        <td>${formatTime(budget.periodStart)}</td>
                      </tr>`;
                    })}
                  </tbody>
                </table>`
        }`;
      return c.html(layout(c, { title: 'Usage & budgets', current: 'usage', body }));
    });
  },
};

function usageTable(groupLabel: string, rows: UsageTotals[]): Html {
  return html`<table>
    <caption>
      Model usage by ${groupLabel.toLowerCase()}, biggest cost first
    </caption>
    <thead>
      <tr>
        <th scope="col">${groupLabel}</th>
        <th scope="col" class="num">Calls</th>
        <th scope="col" class="num">Input tokens</th>
        <th scope="col" class="num">Cached</th>
        <th scope="col" class="num">Output tokens</th>
        <th scope="col" class="num">Cost</th>
      </tr>
    </thead>
    <tbody>
      ${
        rows.length === 0
          ? html`<tr>
              <td colspan="6" class="muted">No model calls in this range.</td>
            </tr>`
          : ''
      }
      ${rows.map(
        (row) =>
          html`<tr>
            <th scope="row">${row.key}</th>
            <td class="num">${formatCount(row.calls)}</td>
            <td class="num">${formatCount(row.inputTokens)}</td>
            <td class="num">${formatCount(row.cachedTokens)}</td>
            <td class="num">${formatCount(row.outputTokens)}</td>
            <td class="num">${formatNanoUsd(row.costNanoUsd)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
