import { afterEach, describe, expect, it } from 'vitest';
import { scriptedModel } from 'keel/testing';
import { contentPolicy } from './content-policy.ts';
import { check, modelOutputSubject, outputSubject, startClassifierServer, type ClassifierServer } from './test-helpers.ts';

describe('contentPolicy, blocked terms', () => {
  const guardrail = contentPolicy({ blockedTerms: ['Acme Corp', 'zephyr', 'e-mail dump'], refusal: 'I can’t talk about that.' });

  it('blocks an answer with a blocked term as a whole word, with the refusal', async () => {
    expect(await check(guardrail, outputSubject('You could also try ACME  corp for that.'))).toEqual({
      verdict: 'block',
      reason: 'Content policy: the answer contains the blocked term "Acme Corp".',
      refusal: 'I can’t talk about that.',
    });
    expect(await check(guardrail, modelOutputSubject('Project Zephyr launches soon.'))).toMatchObject({
      verdict: 'block',
      reason: expect.stringContaining("the model's turn"),
    });
    expect(await check(guardrail, outputSubject('Here is the e-mail dump.'))).toMatchObject({
      verdict: 'block',
      reason: expect.stringContaining('"e-mail dump"'),
    });
  });

  it('sees through look-alike letters, invisible characters and fullwidth forms', async () => {
    for (const text of ['Try Аcme Corp (Cyrillic А).', 'Try Ac\u200Bme Corp.', 'Try Ａｃｍｅ Ｃｏｒｐ.']) {
      expect(await check(guardrail, outputSubject(text))).toMatchObject({ verdict: 'block' });
    }
  });

  it('does not match inside longer words', async () => {
    for (const text of ['Acme Corporation is a different company.', 'The zephyrs blew.', 'Nothing to see here.']) {
      expect(await check(guardrail, outputSubject(text))).toEqual({ verdict: 'allow' });
    }
  });

  it('escalates or flags instead, as told', async () => {
    expect(await check(contentPolicy({ blockedTerms: ['zephyr'], action: 'escalate' }), outputSubject('About Zephyr…'))).toEqual({
      verdict: 'escalate',
      reason: 'Content policy: the answer contains the blocked term "zephyr".',
    });
    const structured = { reply: 'About Zephyr' };
    expect(await check(contentPolicy({ blockedTerms: ['zephyr'], action: 'flag' }), outputSubject(JSON.stringify(structured), [], structured))).toEqual({
      verdict: 'modify',
      reason: 'Flagged, passed on unchanged: the answer contains the blocked term "zephyr".',
      replacement: { text: JSON.stringify(structured), output: structured },
      changes: { flagged: true, blockedTerm: 'zephyr' },
    });
  });

  it('needs terms or a moderation classifier', () => {
    expect(() => contentPolicy({})).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => contentPolicy({ blockedTerms: [''] })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('contentPolicy, moderation', () => {
  let server: ClassifierServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('asks an OpenAI-style moderation endpoint and blocks what it flags, naming the categories', async () => {
    server = await startClassifierServer((body) => {
      const flagged = String((body as { input: string }).input).includes('hurt');
      return {
        json: {
          id: 'modr-1',
          model: 'omni-moderation-latest',
          results: [
            {
              flagged,
              categories: { harassment: flagged, violence: flagged, sexual: false },
              category_scores: { harassment: flagged ? 0.93 : 0.01, violence: flagged ? 0.71 : 0, sexual: 0 },
            },
          ],
        },
      };
    });
    const guardrail = contentPolicy({ moderation: { url: server.url, headers: { authorization: 'Bearer sk-moderation' } } });
    expect(await check(guardrail, outputSubject('Your order has shipped.'))).toEqual({ verdict: 'allow' });
    expect(await check(guardrail, outputSubject('I will hurt you.'))).toEqual({
      verdict: 'block',
      reason: 'Content policy: moderation scored the answer 1 (harassment, violence).',
      refusal: 'I’m sorry, but I can’t help with that.',
    });
    expect(server.requests.map((request) => request.body)).toEqual([{ input: 'Your order has shipped.' }, { input: 'I will hurt you.' }]);
  });

  it('asks a model judge with the policy, and uses the threshold on its score', async () => {
    const judge = scriptedModel([{ text: '{"flagged": true, "score": 0.62, "categories": ["medical advice"]}' }, { text: '{"flagged": true, "score": 0.62}' }]);
    const strict = contentPolicy({ moderation: judge, policy: 'No medical diagnoses.' });
    expect(await check(strict, outputSubject('You probably have the flu; take these pills.'))).toMatchObject({
      verdict: 'block',
      reason: 'Content policy: moderation scored the answer 0.62 (medical advice).',
    });
    expect(judge.requests[0]?.messages[0]?.content).toContain('No medical diagnoses.');
    const lenient = contentPolicy({ moderation: judge, threshold: 0.8 });
    expect(await check(lenient, outputSubject('You probably have the flu.'))).toEqual({ verdict: 'allow' });
    judge.assertConsumed();
  });

  it('does not ask the classifier when a blocked term already matched', async () => {
    const judge = scriptedModel([]);
    expect(await check(contentPolicy({ blockedTerms: ['zephyr'], moderation: judge }), outputSubject('Zephyr!'))).toMatchObject({ verdict: 'block' });
    expect(judge.requests).toHaveLength(0);
  });
});
