import type { DashboardPage } from '../dashboard-types.ts';
import { field, type FormBody } from '../oversight/decision-form.ts';
import { reviewerName, saveReviewer } from '../oversight/oversight-view.ts';
import { safeNext } from '../session.ts';
import { readForm } from '../form-body.ts';

/**
 * `POST /ui/reviewer`: the name this browser decides approvals and answers escalations under,
 * saved once instead of typed into every form (an empty name forgets it), then back to the page
 * it was saved from. The key's id is recorded with every decision whatever the name says.
 */
export const reviewerNamePage: DashboardPage = {
  name: 'reviewer-name',
  register(ui) {
    ui.post('/reviewer', async (c) => {
      const form: FormBody = await readForm(c);
      const name = field(form, 'name')?.trim() ?? '';
      saveReviewer(c, name === '' ? '' : reviewerName(name));
      return c.redirect(safeNext(field(form, 'next')), 303);
    });
  },
};
