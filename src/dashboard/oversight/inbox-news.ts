import { z } from 'zod';
import { idSchema } from '../../server/schemas.ts';
import type { Store } from '../../store/store.ts';
import { html, type Html } from '../html.ts';

/** How often an open inbox asks whether something new waits. */
const everySeconds = 5;
/** Counted up to this many; more shows as "50 or more". */
const maxCounted = 50;

export const NewsQuery = z
  .object({
    after: z.iso.datetime(),
    agent: idSchema.optional(),
    userId: idSchema.optional(),
  })
  .strict();

/**
 * The line at the top of an open inbox that says when approvals arrived after it was loaded,
 * with a link that shows them. The cards themselves are never replaced under a reviewer who may
 * be typing a reason: the page polls this line only (htmx, every few seconds) and the reviewer
 * chooses when to reload. Without JavaScript the line stays empty.
 */
export async function inboxNews(store: Pick<Store, 'listApprovals'>, tenantId: string, query: z.output<typeof NewsQuery>): Promise<Html> {
  const after = Date.parse(query.after);
  const { approvals } = await store.listApprovals(tenantId, { status: 'pending', agent: query.agent, userId: query.userId, limit: maxCounted });
  const fresh = approvals.filter((approval) => Date.parse(approval.createdAt) > after).length;
  return newsLine(query, fresh);
}

/** The polling line itself; `fresh` approvals arrived since `after`. */
export function newsLine(query: z.output<typeof NewsQuery>, fresh: number): Html {
  const params = new URLSearchParams({ after: query.after });
  if (query.agent !== undefined) params.set('agent', query.agent);
  if (query.userId !== undefined) params.set('userId', query.userId);
  const show = new URLSearchParams({ status: 'pending' });
  if (query.agent !== undefined) show.set('agent', query.agent);
  if (query.userId !== undefined) show.set('userId', query.userId);
  const count = fresh >= maxCounted ? `${maxCounted} or more new approvals wait` : fresh === 1 ? '1 new approval waits' : `${fresh} new approvals wait`;
  return html`<p
    id="inbox-news"
    class="${fresh === 0 ? 'news-empty' : 'notice'}"
    hx-get="/ui/approvals/news?${params.toString()}"
    hx-trigger="every ${everySeconds}s"
    hx-swap="outerHTML"
  >
    ${fresh === 0 ? '' : html`${count}: <a href="/ui/approvals?${show.toString()}">show them</a>.`}
  </p>`;
}
