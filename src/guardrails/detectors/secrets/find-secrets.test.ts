import { describe, expect, it } from 'vitest';
import { findSecrets } from './find-secrets.ts';
import { redactSecrets } from './redact-secrets.ts';

// Fake values in the providers' formats, assembled at run time so no complete token sits in the
// source (scanners of this repository have nothing to report).
const repeat = (alphabet: string, length: number) => Array.from({ length }, (_, index) => alphabet[(index * 7 + 3) % alphabet.length]).join('');
const alphanumeric = 'aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xYz';
const hex = '0123456789abcdef';
const fake = {
  github: `ghp_${repeat(alphanumeric, 36)}`,
  awsId: `AKIA${repeat('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
  awsSecret: repeat(`${alphanumeric}+/`, 40),
  stripe: `sk_live_${repeat(alphanumeric, 24)}`,
  slack: `xoxb-${repeat('0123456789', 12)}-${repeat('0123456789', 13)}-${repeat(alphanumeric, 24)}`,
  openai: `sk-proj-${repeat(alphanumeric, 48)}`,
  anthropic: `sk-ant-api03-${repeat(alphanumeric, 95)}`,
  gcp: `AIza${repeat(alphanumeric, 35)}`,
  azure: `${repeat(alphanumeric, 3)}8Q~${repeat(alphanumeric, 34)}`,
  jwt: `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IlRlc3QifQ.${repeat(alphanumeric, 43)}`,
  pem: `-----BEGIN RSA PRIVATE KEY-----\n${repeat(`${alphanumeric}+/`, 64)}\n${repeat(alphanumeric, 64)}\n-----END RSA PRIVATE KEY-----`,
};

const found = (text: string) => findSecrets(text).map((match) => ({ type: match.type, value: text.slice(match.start, match.end) }));

describe('findSecrets', () => {
  const cases: Array<[string, string, string]> = [
    ['github-token', `git clone https://${fake.github}@github.com/acme/app.git`, fake.github],
    ['aws-access-key-id', `AWS_ACCESS_KEY_ID=${fake.awsId}`, fake.awsId],
    ['aws-secret-access-key', `aws_secret_access_key = ${fake.awsSecret}`, fake.awsSecret],
    ['stripe-secret-key', `stripe.api_key = '${fake.stripe}'`, fake.stripe],
    ['slack-token', `SLACK_BOT_TOKEN=${fake.slack}`, fake.slack],
    ['openai-api-key', `OPENAI_API_KEY=${fake.openai}`, fake.openai],
    ['anthropic-api-key', `new Anthropic({ apiKey: "${fake.anthropic}" })`, fake.anthropic],
    ['gcp-api-key', `apiKey: "${fake.gcp}"`, fake.gcp],
    ['azure-ad-client-secret', `AZURE_CLIENT_SECRET=${fake.azure}`, fake.azure],
    ['jwt', `Authorization: Bearer ${fake.jwt}`, fake.jwt],
    ['private-key', `deploy key:\n${fake.pem}\n`, fake.pem],
    ['password', 'DB_PASSWORD="Tr0ub4dor&3x"', 'Tr0ub4dor&3x'],
    ['generic-secret', `client_secret: ${repeat(hex, 40)}`, repeat(hex, 40)],
    ['connection-string-password', 'DATABASE_URL=postgres://app:s3cr3tPassw0rd@db.example:5432/app', 's3cr3tPassw0rd'],
    ['basic-auth-credential', 'curl -u deploy:Xk29fjq1L https://ci.example/api', 'deploy:Xk29fjq1L'],
  ];
  for (const [name, text, value] of cases) {
    it(`finds ${name} and reports the value's exact span`, () => {
      expect(found(text).map((match) => match.value)).toContain(value);
    });
  }

  it('reports the kind and offsets only, never the secret text', () => {
    const [match] = findSecrets(`token=${fake.github}`);
    expect(Object.keys(match ?? {}).sort()).toEqual(['end', 'start', 'type']);
    expect(JSON.stringify(findSecrets(`token=${fake.github}`))).not.toContain(fake.github);
  });

  it('does not report git hashes, UUIDs, checksums, placeholders, references or public keys', () => {
    const benign = [
      'Fixed in commit 3f786850e387550fdab836ed7e6dc881de23001b.',
      'request_id: 550e8400-e29b-41d4-a716-446655440000',
      `sha256: ${repeat(hex, 64)}  release.tar.gz`,
      'export GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'api_key: ${API_KEY}\npassword: ********\ntoken: <your-token>',
      'const apiKey = process.env.OPENAI_API_KEY;',
      `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ${repeat(alphanumeric, 200)} user@host`,
      '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----',
      'Your password must be at least 12 characters long.',
      'max_tokens = 4096\nsort_key = created_at\nkey = value',
    ];
    for (const text of benign) expect(found(text)).toEqual([]);
  });
});

describe('redactSecrets', () => {
  it('replaces every credential with a marker and leaves the rest', () => {
    expect(redactSecrets(`token=${fake.github} and ${fake.stripe}`)).toBe('token=[SECRET] and [SECRET]');
    expect(redactSecrets('password=Tr0ub4dor&3x', { marker: '***' })).toBe('password=***');
    expect(redactSecrets('nothing to see')).toBe('nothing to see');
  });
});
