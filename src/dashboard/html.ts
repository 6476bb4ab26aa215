import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/**
 * Markup as `hono/html` builds it. Every value interpolated into `html\`…\`` is escaped (`&`, `<`,
 * `>`, `"`, `'`), so text from runs, agents and users is inert in element bodies and quoted
 * attributes alike. Only `raw()` bypasses it, and only trusted markup of this folder may go
 * through it. A Promise interpolated into a template is inserted unescaped: never interpolate a
 * promise of plain text.
 */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export { html, raw };

/** JSON for a `<script type="application/json">` block: `<` is escaped so no `</script>` can end it early. */
export function jsonScript(id: string, value: unknown): Html {
  const text = JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return html`<script type="application/json" id="${id}">
    ${raw(text)}
  </script>`;
}
