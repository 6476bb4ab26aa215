import { commandGroup } from '../command-group.ts';
import { approvalsApproveCommand, approvalsEditCommand, approvalsRejectCommand } from './approvals-decide.ts';
import { approvalsListCommand } from './approvals-list.ts';
import { approvalsShowCommand } from './approvals-show.ts';

export const approvalsCommand = commandGroup({
  name: 'approvals',
  summary: 'work the approval inbox: list, show, approve, reject, edit',
  subcommands: [approvalsListCommand, approvalsShowCommand, approvalsApproveCommand, approvalsRejectCommand, approvalsEditCommand],
  aliases: { list: 'ls' },
  note: 'Over HTTP: GET /v1/approvals, POST /v1/approvals/:id (docs/permissions.md).',
});
