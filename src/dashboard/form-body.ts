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
    const text = strictUtf8.decode(raw);
    for (const part of text.split('&')) {
      const bytes: number[] = [];
      for (let index = 0; index < part.length; index += 1) {
        const escaped = part[index] === '%' ? /^[0-9a-fA-F]{2}$/.exec(part.slice(index + 1, index + 3)) : null;
        if (escaped !== null) {
          bytes.push(Number.parseInt(escaped[0], 16));
          index += 2;
        } else {
          bytes.push(...new TextEncoder().encode(part[index]!));
        }
      }
      strictUtf8.decode(new Uint8Array(bytes));
    }
    return true;
  } catch {
    return false;
  }
}
