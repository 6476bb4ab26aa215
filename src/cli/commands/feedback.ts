import { commandGroup } from '../command-group.ts';
import { feedbackExportCommand } from './feedback-export.ts';

export const feedbackCommand = commandGroup({
  name: 'feedback',
  summary: "export end users' ratings of runs as evaluation cases",
  subcommands: [feedbackExportCommand],
  note: 'Ratings are recorded over HTTP: POST /v1/runs/:id/feedback.',
});
