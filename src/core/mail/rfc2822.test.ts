import { describe, expect, it } from 'vitest';
import v1 from '../../../test-fixtures/series/v1.mbox?raw';
import truncated from '../../../test-fixtures/series/bad/truncated.mbox?raw';
import emptyMbox from '../../../test-fixtures/series/bad/empty.mbox?raw';
import hostile from '../../../test-fixtures/mail/hostile.eml?raw';
import qp from '../../../test-fixtures/mail/qp.eml?raw';
import { MailError, parseMail, parseMbox, parseMessage, parsePatchBody } from './rfc2822';
import { decodeEncodedWords } from './encodedWords';

function mailError(fn: () => unknown): MailError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MailError) return e;
    throw new Error(`expected a MailError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a MailError, nothing was thrown');
}

describe('parseMbox', () => {
  const msgs = parseMbox(v1);

  it('splits the series into cover + 5 patches with unfolded subjects', () => {
    expect(msgs.map((m) => m.subject)).toEqual([
      '[PATCH v1 0/5] nfsd: rework filecache refcounting',
      '[PATCH v1 1/5] nfsd: add helpers for an LRU that holds its own reference',
      '[PATCH v1 2/5] nfsd: convert the filecache hash table to an rhltable',
      '[PATCH v1 3/5] nfsd: rework filecache refcounting so the refcount drives the lifecycle',
      '[PATCH v1 4/5] nfsd: simplify nfsd_file_close_inode_sync()',
      '[PATCH v1 5/5] nfsd: use shrinker_alloc() for the filecache shrinker',
    ]);
  });

  it('extracts addresses, ids and threading headers', () => {
    const p3 = msgs[3];
    expect(p3.from).toEqual({ name: 'Test Author', address: 'author@example.org' });
    expect(p3.to).toEqual([{ name: '', address: 'linux-nfs@vger.kernel.org' }]);
    expect(p3.cc).toEqual([{ name: 'Reviewer', address: 'reviewer@example.org' }]);
    expect(p3.date).toBe('Tue, 1 Nov 2022 10:03:00 +0000');
    expect(p3.messageId).toBe(
      '<c5fd4d106705cacf1ceb49d89e8570f75cbd7cf5.1667296800.git.author@example.org>',
    );
    expect(p3.inReplyTo).toBe('<cover.1667296800.git.author@example.org>');
    expect(p3.references).toEqual(['<cover.1667296800.git.author@example.org>']);
    expect(p3.mboxFrom).toBe(
      'From c5fd4d106705cacf1ceb49d89e8570f75cbd7cf5 Mon Sep 17 00:00:00 2001',
    );
  });

  it('unquotes >From lines (mboxrd) and does not split on them', () => {
    const box = [
      'From x Mon Sep 17 00:00:00 2001',
      'From: a@example.org',
      'Subject: one',
      '',
      '>From the start',
      '>>From deeper',
      'From inside a paragraph is not a separator',
      '',
      'From y Mon Sep 17 00:00:00 2001',
      'From: b@example.org',
      'Subject: two',
      '',
      'body two',
      '',
    ].join('\n');
    const [a, b] = parseMbox(box);
    expect(a.body).toBe('From the start\n>From deeper\nFrom inside a paragraph is not a separator');
    expect(b.subject).toBe('two');
    expect(b.body).toBe('body two\n');
  });
});

describe('parsePatchBody', () => {
  const p3 = parseMbox(v1)[3];
  const patch = parsePatchBody(p3.body);

  it('splits commit message, diffstat and hunks', () => {
    expect(patch.commitMessage.split('\n')[0]).toBe(
      'The hash table no longer holds a sentinel reference. When nf_ref drops',
    );
    expect(patch.commitMessage.endsWith('Signed-off-by: Test Author <author@example.org>')).toBe(
      true,
    );
    expect(patch.diffstat).toEqual([
      ' fs/nfsd/filecache.c | 227 ++++++++++++++++++++------------------------',
      ' 1 file changed, 103 insertions(+), 124 deletions(-)',
    ]);
    expect(patch.files).toHaveLength(1);
    const f = patch.files[0];
    expect(f.oldPath).toBe('fs/nfsd/filecache.c');
    expect(f.newPath).toBe('fs/nfsd/filecache.c');
    expect(f.hunks.map((h) => h.header.slice(0, 30))).toHaveLength(12);
  });

  it('numbers new-file lines', () => {
    const h = patch.files[0].hunks.find((x) => x.newStart === 486);
    expect(h).toBeDefined();
    const def = h?.lines.find(
      (l) => l.text === ' static void nfsd_file_close_inode(struct inode *inode)',
    );
    // designs/v5-inline has it at line 509; patches 4/5 and 5/5 remove 10 and
    // 4 lines above it, so after patch 3/5 it is at 523.
    expect(def?.newLine).toBe(523);
    expect(h?.section).toBe('static struct shrinker nfsd_file_shrinker = {');
  });

  it('reports a truncated hunk with a clear MailError', () => {
    const cut = parseMbox(truncated);
    const last = cut[cut.length - 1];
    const e = mailError(() => parsePatchBody(last.body));
    expect(e.code).toBe('truncated');
    expect(e.message).toMatch(/fs\/nfsd\/filecache\.c: hunk "@@ .*" ends after \d+ lines/);
  });

  it('rejects a mail without a diff', () => {
    const [m] = parseMbox(emptyMbox);
    expect(mailError(() => parsePatchBody(m.body)).code).toBe('not-a-patch');
  });
});

describe('parseMessage', () => {
  it('decodes quoted-printable bodies, RFC 2047 subjects and names, CRLF files', () => {
    const m = parseMessage(qp);
    expect(m.subject).toBe('[PATCH] demo: ümlaut in subject');
    expect(m.from).toEqual({ name: 'René Test', address: 'rene@example.org' });
    expect(m.body.split('\n').slice(0, 2)).toEqual([
      'A body with a soft line break that is joined, and ümlaut.',
      '---',
    ]);
    expect(parsePatchBody(m.body).files[0].hunks[0].lines.map((l) => l.text)).toEqual([
      '-int x = 1;',
      '+int x = 2;',
    ]);
  });

  it('keeps hostile decoded values as data (headers.ts neutralises them on output)', () => {
    const m = parseMessage(hostile);
    expect(m.from?.name).toBe('Mallory \r\nBcc: victim@example.com');
    expect(m.subject).toContain('\r\nBcc: victim@example.com');
    expect(m.to.map((a) => a.address)).toEqual([
      'list@example.org',
      'a@b@example.org',
      'ok@example.org',
      'charlie@example.org',
      'bob@example.org',
    ]);
    expect(m.to[0].name).toBe('Evil"Quote');
    expect(m.to[3].name).toBe('Charlie ✓');
    expect(m.cc.map((a) => a.address)).toEqual([
      'carol@example.org',
      'dave@example.org',
      '<eve@example.org>evil@example.net',
      'mallory@example.org',
    ]);
    expect(m.references).toEqual(['<root.0@example.org>']);
  });

  it('turns garbage into MailErrors, never other exceptions', () => {
    expect(mailError(() => parseMessage('')).code).toBe('empty');
    expect(
      mailError(() => parseMessage(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]))).code,
    ).toBe('binary');
    expect(mailError(() => parseMessage('just some text\nand more\n')).code).toBe('no-headers');
    expect(mailError(() => parseMessage('Subject: x\nnot a header\n\nbody')).code).toBe(
      'malformed-header',
    );
    expect(mailError(() => parseMessage('Subject: x\nFrom: y@example.org')).code).toBe('truncated');
    expect(mailError(() => parseMessage(' folded first\n\n')).code).toBe('malformed-header');
    expect(
      mailError(() => parseMessage('Subject: x\nContent-Type: text/html\n\n<p>hi</p>')).code,
    ).toBe('unsupported');
    expect(mailError(() => parseMbox('Subject: x\n\nbody')).code).toBe('no-headers');
    // Random bytes: whatever they decode to, only MailError may escape.
    let seed = 42;
    for (let n = 0; n < 200; n++) {
      const bytes = Uint8Array.from({ length: 64 + n * 13 }, () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed & 0xff;
      });
      try {
        parseMail(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(MailError);
      }
    }
  });

  it('decodes multipart/mixed by taking the text/plain part', () => {
    const m = parseMessage(
      [
        'From: a@example.org',
        'Subject: multi',
        'Content-Type: multipart/mixed; boundary="XX"',
        '',
        'preamble',
        '--XX',
        'Content-Type: text/html',
        '',
        '<b>no</b>',
        '--XX',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        'aGVsbG8gd29ybGQK',
        '--XX--',
        '',
      ].join('\n'),
    );
    expect(m.body).toBe('hello world\n');
  });
});

describe('decodeEncodedWords', () => {
  it('joins adjacent words and leaves invalid ones alone', () => {
    expect(decodeEncodedWords('=?utf-8?q?a?= =?utf-8?q?b?=')).toBe('ab');
    expect(decodeEncodedWords('x =?utf-8?b?!!!?= y')).toBe('x =?utf-8?b?!!!?= y');
    expect(decodeEncodedWords('=?bogus-charset?q?ok?=')).toBe('ok');
  });
});
