import { commandGroup } from '../command-group.ts';
import { auditExportCommand } from './audit-export.ts';
import { auditPruneCommand } from './audit-prune.ts';
import { auditVerifyCommand } from './audit-verify.ts';

export const auditCommand = commandGroup({
  name: 'audit',
  summary: 'the hash-chained audit log: verify, export, prune',
  subcommands: [auditVerifyCommand, auditExportCommand, auditPruneCommand],
});
