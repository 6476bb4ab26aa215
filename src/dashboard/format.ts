import { html, type Html } from './html.ts';

/** Display rules shared by the pages: one place for how money, time and JSON look. */

/** USD with enough digits for a fraction of a cent: `$0.000123`, `$12.50`. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (Math.abs(usd) >= 1) return `$${usd.toFixed(2)}`;
  return `$${usd.toPrecision(3).replace(/0+$/, '').replace(/\.$/, '')}`;
}

export function formatNanoUsd(nano: number): string {
  return formatUsd(nano / 1e9);
}

/** `850 ms`, `2.4 s`, `3 min 5 s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A timestamp in UTC, to the second, inside a `<time>` element carrying the exact value. */
export function formatTime(iso: string | null): Html {
  if (iso === null) return html`<span class="muted">—</span>`;
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')}</time>`;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** How long between two timestamps, or since `from` for a run still going. */
export function durationBetween(from: string | null, to: string | null): string {
  if (from === null) return '—';
  return formatMs(Math.max(0, Date.parse(to ?? new Date().toISOString()) - Date.parse(from)));
}

const maxShown = 20_000;

/**
 * A value from a run (tool arguments and results, outputs) as pretty JSON in a `<pre>`, cut at
 * 20 000 characters. Escaped like any text: a hostile output shows as text.
 */
export function jsonBlock(value: unknown, label?: string): Html {
  let text = typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? String(value));
  const cut = text.length > maxShown;
  if (cut) text = text.slice(0, maxShown);
  return html`<pre${label === undefined ? '' : html` aria-label="${label}"`}>${text}${cut ? '\n… (cut)' : ''}</pre>`;
}

export function statusBadge(status: string, waitingReason?: string | null): Html {
  return html`<span class="status status-${status}">${status}${waitingReason ? `: ${waitingReason}` : ''}</span>`;
}
