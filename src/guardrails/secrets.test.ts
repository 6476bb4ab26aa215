import { describe, expect, it } from 'vitest';
import { fixtureSecretRows } from '../../bench/lib/guardrail-corpora.ts';
import { secrets } from './secrets.ts';
import { check, inputSubject, modelOutputSubject, outputSubject, seededRandom, streamThrough, toolResultSubject } from './test-helpers.ts';

// Fake credentials in the providers' formats, assembled at run time so no complete token sits in the source.
const repeat = (alphabet: string, length: number) => Array.from({ length }, (_, index) => alphabet[(index * 7 + 3) % alphabet.length]).join('');
const alphanumeric = 'aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xYz';
const github = `ghp_${repeat(alphanumeric, 36)}`;
const awsId = `AKIA${repeat('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`;
const pem = `-----BEGIN RSA PRIVATE KEY-----\n${repeat(`${alphanumeric}+/`, 64)}\n${repeat(alphanumeric, 64)}\n-----END RSA PRIVATE KEY-----`;

describe('secrets', () => {
  it('redacts credentials from the answer; the reason and changes name kinds and counts only', async () => {
    const text = `Use GITHUB_TOKEN=${github} and AWS_ACCESS_KEY_ID=${awsId} to deploy.`;
    const verdict = await check(secrets(), outputSubject(text));
    expect(verdict).toEqual({
      verdict: 'modify',
      reason: 'Redacted 2 credentials (github-token and aws-access-key-id) from the answer.',
      replacement: {
        text: 'Use GITHUB_TOKEN=[SECRET] and AWS_ACCESS_KEY_ID=[SECRET] to deploy.',
        output: 'Use GITHUB_TOKEN=[SECRET] and AWS_ACCESS_KEY_ID=[SECRET] to deploy.',
      },
      changes: { 'github-token': 1, 'aws-access-key-id': 1 },
    });
  });

  it('redacts a key pasted by the user and keys in a tool result', async () => {
    expect(await check(secrets(), inputSubject(`Why does this fail?\n${pem}\nThanks`))).toMatchObject({
      replacement: { text: 'Why does this fail?\n[SECRET]\nThanks' },
      changes: { 'private-key': 1 },
    });
    const config = { service: 'billing', env: { DATABASE_URL: 'postgres://app:Tr0ub4dor&3x@db.internal:5432/app', GITHUB_TOKEN: github } };
    const verdict = await check(secrets(), toolResultSubject('read_config', config));
    expect(verdict).toMatchObject({ verdict: 'modify', replacement: { output: { service: 'billing', env: { GITHUB_TOKEN: '[SECRET]' } } } });
    const output = verdict.verdict === 'modify' ? JSON.stringify(verdict.replacement.output) : '';
    expect(output).not.toContain('Tr0ub4dor');
    expect(output).not.toContain(github);
  });

  it('redacts a key block split over the strings of a result in every string it covers', async () => {
    const lines = pem.split('\n');
    const verdict = await check(secrets(), toolResultSubject('read_file', { path: 'deploy.pem', lines, size: lines.length }));
    expect(verdict).toEqual({
      verdict: 'modify',
      reason: 'Redacted 1 credential (private-key) from the result of read_file.',
      replacement: { output: { path: 'deploy.pem', lines: ['[SECRET]', '[SECRET]', '[SECRET]', '[SECRET]'], size: 4 } },
      changes: { 'private-key': 1 },
    });
  });

  it('blocks with a refusal, or withholds a tool result, never quoting the secret', async () => {
    const text = `Here is the key: ${github}`;
    const blocked = await check(secrets({ action: 'block' }), modelOutputSubject(text));
    expect(blocked).toEqual({
      verdict: 'block',
      reason: "The model's turn contains 1 credential (github-token).",
      refusal: 'I can’t share that: it contains a credential.',
    });
    expect(await check(secrets({ action: 'block' }), toolResultSubject('read_file', text))).toEqual({
      verdict: 'block',
      reason: 'The result of read_file was withheld: it contains 1 credential (github-token).',
    });
    expect(JSON.stringify(blocked)).not.toContain(github.slice(4, 14));
  });

  it('lets placeholders, hashes and prose through', async () => {
    for (const text of [
      'Set GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx in your shell.',
      'Commit 9fceb02d0ae598e95dc970b74767f19372d61af8 fixed it.',
      'The password policy needs 12 characters.',
    ]) {
      expect(await check(secrets(), outputSubject(text))).toEqual({ verdict: 'allow' });
    }
  });

  it('redacts streamed text exactly as it redacts the whole turn, however it is split', async () => {
    const guardrail = secrets();
    const random = seededRandom(17_042_026);
    const texts = [
      `Token ${github}, key:\n${pem}\nand id ${awsId}.`,
      ...fixtureSecretRows()
        .filter((row) => row.label === 1)
        .slice(0, 80)
        .map((row) => row.text),
    ];
    for (const text of texts) {
      const whole = await check(guardrail, modelOutputSubject(text));
      const expected = whole.verdict === 'modify' ? whole.replacement.text : text;
      for (let trial = 0; trial < 3; trial += 1) expect(streamThrough(guardrail, text, () => 1 + Math.floor(random() * 6)).join('')).toBe(expected);
    }
    // Not even the key block's body leaks while its END line is still on its way.
    for (const piece of streamThrough(guardrail, `Key:\n${pem}\ndone`, () => 3)) expect(piece).not.toContain(pem.split('\n')[1]!.slice(0, 12));
    expect(secrets({ action: 'block' }).streamRedaction).toBeDefined();
  });

  it('refuses an unknown action', () => {
    expect(() => secrets({ action: 'flag' as 'redact' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
