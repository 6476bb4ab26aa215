import { lintSource } from '@secretlint/core';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import { describe, expect, it } from 'vitest';
import { scanWithSecretlint } from './secretlint-scan.ts';

const repeat = (alphabet: string, length: number) => Array.from({ length }, (_, index) => alphabet[(index * 5 + 1) % alphabet.length]).join('');
const alphanumeric = 'Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe';

const samples = [
  `token: ghp_${repeat(alphanumeric, 36)}`,
  `SLACK_TOKEN=xoxb-${repeat('0123456789', 11)}-${repeat('0123456789', 12)}-${repeat(alphanumeric, 24)}`,
  `STRIPE=sk_live_${repeat(alphanumeric, 24)}`,
  `-----BEGIN RSA PRIVATE KEY-----\n${repeat(alphanumeric, 64)}\n${repeat(alphanumeric, 64)}\n-----END RSA PRIVATE KEY-----`,
  `mongodb://admin:${repeat(alphanumeric, 14)}@cluster.example.net/db`,
  `SENDGRID=SG.${repeat(alphanumeric, 22)}.${repeat(alphanumeric, 43)}`,
  'nothing secret in this sentence at all',
];

describe('scanWithSecretlint', () => {
  it("finds what secretlint's own lintSource finds with the recommended preset, at the same ranges", async () => {
    for (const content of samples) {
      const expected = await lintSource({
        source: { content, filePath: 'input.txt', ext: '.txt', contentType: 'text' },
        options: { config: { rules: [{ id: recommendedPreset.meta.id, rule: recommendedPreset }] }, noPhysicFilePath: true },
      });
      const ranges = (list: ReadonlyArray<{ range: readonly [number, number] } | { start: number; end: number }>) =>
        list.map((item) => ('range' in item ? `${item.range[0]}-${item.range[1]}` : `${item.start}-${item.end}`)).sort();
      expect(ranges(scanWithSecretlint(content))).toEqual(ranges(expected.messages));
    }
  });

  it('names kinds in kebab case and never carries the secret', () => {
    const content = samples[0] ?? '';
    const reports = scanWithSecretlint(content);
    expect(reports.map((report) => report.type)).toEqual(['github-token']);
    expect(JSON.stringify(reports)).not.toContain('ghp_');
  });

  it("points an AWS secret access key's range at the key, not at its name", () => {
    const key = repeat(`${alphanumeric}+/`, 40);
    const content = `aws_secret_access_key = ${key}`;
    const [report] = scanWithSecretlint(content);
    expect(content.slice(report?.start, report?.end)).toBe(key);
  });
});
