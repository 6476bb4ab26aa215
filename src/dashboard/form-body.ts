import type { Context } from 'hono';
import { KeelError } from '../errors/index.ts';
import type { FormBody } from './oversight/decision-form.ts';
import type { DashboardEnv } from './dashboard-types.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A form POST's fields, refused as `REQUEST_MALFORMED` when its text is not UTF-8: a browser
 * always sends UTF-8 here, and decoding anything else would store U+FFFD in place of what was
 * meant (a reviewer's reason, a reply) as if it had been typed, where the API refuses the same
 * bytes. Both the raw body and every percent-escaped byte sequence in it are checked.
 *
 * @example
 * const form = await readForm(c);
 */
export async function readForm(c: Context<DashboardEnv>): Promise<FormBody> {
  if ((c.req.header('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    if (!isUtf8Form(raw)) throw new KeelError({ code: 'REQUEST_MALFORMED', message: 'The form is not valid UTF-8 text' });
  }
  return await c.req.parseBody({ all: true });
}

function isUtf8Form(raw: Uint8Array): boolean {
  try {
    // decodeURIComponent refuses escapes that are not UTF-8; a `%` that starts no escape is
    // literal text in a form, as the parser reads it, so it is escaped first.
    decodeURIComponent(strictUtf8.decode(raw).replace(/%(?![0-9a-fA-F]{2})/g, '%25'));
    return true;
  } catch {
    return false;
  }
}
