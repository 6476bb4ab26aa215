import { describe, expect, it } from 'vitest';
import { findEmails } from './email.ts';

const emails = (text: string) => findEmails(text).map((match) => match.text);

describe('findEmails', () => {
  it('finds addresses with plus tags, subdomains and country TLDs, without trailing punctuation', () => {
    expect(emails('Mail jane.doe+news@example.co.uk, ops@mail.example.org. or first_last@sub.domain.io!')).toEqual([
      'jane.doe+news@example.co.uk',
      'ops@mail.example.org',
      'first_last@sub.domain.io',
    ]);
  });

  it('finds addresses written with [at] and [dot]', () => {
    expect(emails('Email: john.doe@protectai[DOT]com, jane[at]example[dot]org or ops(at)example.com.')).toEqual([
      'john.doe@protectai[DOT]com',
      'jane[at]example[dot]org',
      'ops(at)example.com',
    ]);
    expect(emails('We meet at home. The dot com era. Look at [the] example.')).toEqual([]);
  });

  it('rejects handles, versions and addresses with double dots or no TLD', () => {
    expect(emails('@user, git@v1.2, a..b@example.com, root@localhost, npm i pkg@1.2.3')).toEqual([]);
  });
});
