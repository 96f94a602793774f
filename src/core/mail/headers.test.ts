import { describe, expect, it } from 'vitest';
import {
  addressHeader,
  addressProblem,
  encodeDisplayName,
  encodeUnstructured,
  foldHeader,
  formatDate,
  textHeader,
  validateAddress,
} from './headers';
import { decodeEncodedWords } from './encodedWords';
import { MailError } from './mailError';

describe('header safety', () => {
  it('neutralises CR/LF in subjects instead of emitting a new header', () => {
    const h = textHeader('Subject', 'Re: fix\r\nBcc: victim@example.com');
    expect(h).toBe('Subject: Re: fix Bcc: victim@example.com');
  });

  it('re-encodes text that merely looks like an encoded word', () => {
    // Sent raw, a client would decode this to a line break.
    const v = encodeUnstructured('=?utf-8?q?=0ABcc:_x?=');
    expect(v).toBe('=?UTF-8?Q?=3D=3Futf-8=3Fq=3F=3D0ABcc=3A=5Fx=3F=3D?=');
    expect(decodeEncodedWords(v)).toBe('=?utf-8?q?=0ABcc:_x?=');
  });

  it('encodes non-ASCII as RFC 2047 words that fit the fold width', () => {
    const subject = `Re: ${'ünïcödé '.repeat(12)}`;
    const h = textHeader('Subject', subject);
    for (const line of h.split('\n')) expect(line.length).toBeLessThanOrEqual(78);
    expect(decodeEncodedWords(h.replace(/^Subject: /, '').replace(/\n /g, ' '))).toBe(
      subject.trim(),
    );
    // Never splits a multi-byte character across words.
    expect(h).not.toMatch(/=C3\?= =\?UTF-8\?Q\?=BC/);
  });

  it('encodes, quotes or leaves display names', () => {
    expect(encodeDisplayName('Test Author')).toBe('Test Author');
    expect(encodeDisplayName('Author, Test')).toBe('"Author, Test"');
    expect(encodeDisplayName('Evil"Quote\\')).toBe('"Evil\\"Quote\\\\"');
    expect(encodeDisplayName('René')).toBe('=?UTF-8?Q?Ren=C3=A9?=');
    expect(encodeDisplayName('Mallory \r\nBcc: v@example.com')).toBe(
      '"Mallory Bcc: v@example.com"',
    );
  });

  it('rejects addresses with line breaks, angle brackets or several @', () => {
    expect(addressProblem('a@example.org')).toBeUndefined();
    expect(addressProblem('first.last+tag@sub.example.org')).toBeUndefined();
    expect(addressProblem('a@example.org\r\nBcc: b@example.org')).toBe('contains a line break');
    expect(addressProblem('<eve@example.org>evil@example.net')).toBe('contains angle brackets');
    expect(addressProblem('a@b@example.org')).toBe('has more than one @');
    expect(addressProblem('nobody')).toBe('has no @');
    expect(addressProblem('a b@example.org')).toBe('contains spaces or non-ASCII characters');
    expect(addressProblem('ü@example.org')).toBe('contains spaces or non-ASCII characters');
    expect(addressProblem('.a@example.org')).toBe('has an invalid local part');
    expect(addressProblem('a@-example.org')).toBe('has an invalid domain');
    expect(() => validateAddress('a@b@c.org')).toThrow(MailError);
  });

  it('folds address lists at 78 columns between addresses', () => {
    const list = Array.from({ length: 6 }, (_, i) => ({
      name: `Person Number ${i}`,
      address: `person${i}@example.org`,
    }));
    expect(addressHeader('Cc', list)).toBe(
      [
        'Cc: Person Number 0 <person0@example.org>,',
        ' Person Number 1 <person1@example.org>, Person Number 2 <person2@example.org>,',
        ' Person Number 3 <person3@example.org>, Person Number 4 <person4@example.org>,',
        ' Person Number 5 <person5@example.org>',
      ].join('\n'),
    );
  });

  it('refuses raw line breaks and bad names in foldHeader', () => {
    expect(() => foldHeader('Subject', 'a\r\nBcc: x')).toThrow(MailError);
    expect(() => foldHeader('Bad Name', 'x')).toThrow(MailError);
  });

  it('formats dates in RFC 5322 form', () => {
    expect(formatDate(new Date(Date.UTC(2022, 10, 2, 9, 5, 7)))).toBe(
      'Wed, 02 Nov 2022 09:05:07 +0000',
    );
    expect(() => formatDate(new Date('nope'))).toThrow(MailError);
  });
});
