import { keyActor } from '../../server/auth/actor.ts';
import { principalForKey } from '../../server/auth/authenticate.ts';
import { recordAudit } from '../../vault/audit-log.ts';
import type { DashboardPage } from '../dashboard-types.ts';
import { html } from '../html.ts';
import { endSession, safeNext, startSession } from '../session.ts';
import { readForm } from '../form-body.ts';

/**
 * `GET /ui/sign-in`, `POST /ui/sign-in` (an API key: a session cookie naming a server-side sign-in
 * on success, never the key; the form again with 401 otherwise) and `POST /ui/sign-out`. The key is never echoed back or logged. Signing in
 * and out are audited (`dashboard.sign-in`, `dashboard.sign-out`) under the key's id; a refused
 * attempt names no tenant, so it is logged only.
 */
export const signInPage: DashboardPage = {
  name: 'sign-in',
  register(ui, context) {
    ui.get('/sign-in', (c) => c.html(signInForm(c.req.query('next'), undefined)));

    ui.post('/sign-in', async (c) => {
      const form = await readForm(c);
      const key = typeof form.key === 'string' ? form.key.trim() : '';
      const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
      const principal = key === '' ? undefined : await principalForKey(context.store, key);
      if (principal === undefined) {
        c.get('log').info('dashboard sign-in refused');
        return c.html(signInForm(next, 'That key is not valid, or it has been revoked.'), 401);
      }
      // Audited first: a sign-in the log cannot record does not happen.
      await recordAudit(context.store, {
        tenantId: principal.tenantId,
        actor: keyActor(principal),
        action: 'dashboard.sign-in',
        subject: `key:${principal.keyId}`,
      });
      await startSession(c, context.store, principal);
      c.get('log').info({ tenantId: principal.tenantId, keyId: principal.keyId }, 'dashboard sign-in');
      return c.redirect(next, 303);
    });

    ui.post('/sign-out', async (c) => {
      const principal = c.get('principal');
      await endSession(c, context.store);
      await recordAudit(context.store, {
        tenantId: principal.tenantId,
        actor: keyActor(principal),
        action: 'dashboard.sign-out',
        subject: `key:${principal.keyId}`,
      });
      return c.redirect('/ui/sign-in', 303);
    });

    function signInForm(next: string | undefined, problem: string | undefined) {
      // The layout without a principal: no navigation.
      return html`<!doctype html>
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>Sign in · Keel</title>
            <link rel="icon" href="data:," />
            <link rel="stylesheet" href="/ui/assets/dashboard.css" />
            <script src="/ui/assets/sign-in.js" defer></script>
          </head>
          <body class="sign-in">
            <main id="main">
              <h1>Keel</h1>
              <form method="post" action="/ui/sign-in" class="card">
                <p>Sign in with an API key. The key's role decides what you can see and do, as in the API.</p>
                ${problem === undefined ? '' : html`<p class="problem" role="alert" id="sign-in-problem">${problem}</p>`}
                <label for="key">API key</label>
                <input
                  id="key"
                  name="key"
                  type="password"
                  autocomplete="off"
                  spellcheck="false"
                  required
                  autofocus
                  placeholder="keel_…"
                  ${problem === undefined ? '' : html` aria-describedby="sign-in-problem" aria-invalid="true"`}
                />
                <input type="hidden" name="next" value="${safeNext(next)}" />
                <button type="submit">Sign in</button>
              </form>
            </main>
          </body>
        </html>`;
    }
  },
};
