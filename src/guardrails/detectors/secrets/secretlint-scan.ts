import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretLintRuleContext, SecretLintRuleReportHandler, SecretLintSourceCode } from '@secretlint/types';
import type { SecretMatch } from './secret-types.ts';

/*
 * secretlint's recommended preset, driven through its public rule interface (each rule's
 * `create(context)` returns a `file(source)` handler that calls `context.report`) instead of
 * `lintSource`: the handlers are synchronous for text, so `findSecrets` can stay synchronous,
 * and this skips the per-call set-up of `lintSource` (rule loading, message formatting,
 * structured-source indexes), which made it several times slower per call (ADR 0014).
 *
 * Messages are never formatted: secretlint's messages quote the secret, and a report only needs
 * its message id and range.
 */

interface Report {
  type: string;
  start: number;
  end: number;
}

// Rules left out: the comment filter (it lets `secretlint-disable` comments hide secrets from a
// guardrail), the GCP rule's .p12 branch (binary files only; harmless on text).
const excludedRules = new Set(['@secretlint/secretlint-rule-filter-comments']);
// secretlint message ids, as Keel's kebab-case types.
const typeNames: Record<string, string> = {
  AWSAccountID: 'aws-account-id',
  AWSSecretAccessKey: 'aws-secret-access-key',
  AWSAccessKeyID: 'aws-access-key-id',
  PrivateKeyJSON: 'gcp-service-account-key',
  PrivateKeyP12: 'gcp-service-account-key',
  PrivateKey: 'private-key',
  PackageJSON_xOauthToken: 'npm-token',
  Npmrc_authToken: 'npm-token',
  NPM_ACCESS_TOKEN: 'npm-token',
  BasicAuth: 'basic-auth-credential',
  IncomingWebhook: 'slack-webhook-url',
  MongoDBConnection: 'connection-string-password',
  MySQLConnection: 'connection-string-password',
  PostgreSQLConnection: 'connection-string-password',
  OPS_TOKEN: 'onepassword-service-account-token',
};

let reports: Report[] = [];
const handlers: SecretLintRuleReportHandler[] = recommendedPreset.rules
  .filter((rule) => rule.meta.type === 'scanner' && !excludedRules.has(rule.meta.id))
  .map((rule) => {
    const context: SecretLintRuleContext = {
      sharedOptions: {},
      createTranslator: () => (messageId) => ({ message: String(messageId), messageId: String(messageId), data: undefined }),
      report: (descriptor) => reports.push({ type: typeName(descriptor.message.messageId), start: descriptor.range[0], end: descriptor.range[1] }),
      ignore: () => undefined,
    };
    return rule.create(context, {});
  });

/**
 * Runs every scanner rule of secretlint's recommended preset over `text`, synchronously.
 *
 * @example
 * scanWithSecretlint('token: ghp_…'); // [{ type: 'github-token', start: 7, end: 47 }]
 */
export function scanWithSecretlint(text: string): SecretMatch[] {
  const source = sourceOf(text);
  reports = [];
  for (const handler of handlers) {
    const pending = handler.file?.(source);
    // No text rule of the preset is asynchronous; if one ever became so, its findings would be
    // lost silently, so fail loudly instead.
    if (pending instanceof Promise) throw new Error('a secretlint rule answered asynchronously');
  }
  const found = reports.map((report) => (report.type === 'aws-secret-access-key' ? realignAwsSecret(text, report) : report));
  reports = [];
  return found.filter((report) => report.end > report.start && report.start >= 0 && report.end <= text.length);
}

/**
 * secretlint 13's AWS secret-key rule reports the start of the whole `aws_secret_access_key = …`
 * match with the length of the key alone, so its range covers the name and misses the end of the
 * key. The key is the 40-character run that follows.
 */
function realignAwsSecret(text: string, report: Report): Report {
  const key = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/.exec(text.slice(report.start, report.start + 160));
  return key === null ? report : { ...report, start: report.start + key.index, end: report.start + key.index + 40 };
}

function typeName(messageId: string): string {
  return (
    typeNames[messageId] ??
    messageId
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .replace(/_/g, '-')
      .toLowerCase()
  );
}

function sourceOf(content: string): SecretLintSourceCode {
  return {
    hasBOM: false,
    content,
    filePath: undefined,
    physicalFilePath: undefined,
    contentType: 'text',
    ext: '.txt',
    getFilePath: () => undefined,
    getPhysicalFilePath: () => undefined,
    locationToRange: () => [0, 0],
    rangeToLocation: () => ({ start: { line: 1, column: 0 }, end: { line: 1, column: 0 } }),
    positionToIndex: () => 0,
    indexToPosition: () => ({ line: 1, column: 0 }),
  };
}
