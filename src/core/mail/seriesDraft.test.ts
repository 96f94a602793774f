import { describe, expect, it } from 'vitest';
import v1 from '../../../test-fixtures/series/v1.mbox?raw';
import { MailError } from './mailError';
import { parseMbox } from './rfc2822';
import { closeInodeInline, comparison, lruCallbackDropsRef } from './seedChanges.testutil';
import { buildSeriesDraft, draftChoices, findCover, findPatch, patchNumber } from './seriesDraft';

const messages = parseMbox(v1);
const cmp = comparison([closeInodeInline, lruCallbackDropsRef], 'base', 'v1');
const opts = {
  from: 'rev@example.net',
  date: new Date(Date.UTC(2022, 10, 2)),
  messageIdDomain: 'example.net',
  toolVersion: '0.1.0',
  messageIdLocal: 'sd.1',
};

describe('series draft choices', () => {
  it('reads patch numbers and finds the cover and patch M', () => {
    expect(patchNumber('[PATCH v2 3/5] nfsd: x')).toEqual({ n: 3, total: 5 });
    expect(patchNumber('[RFC PATCH 0/2] x')).toEqual({ n: 0, total: 2 });
    expect(patchNumber('Re: nothing')).toBeUndefined();
    expect(findCover(messages)).toBe(messages[0]);
    expect(findPatch(messages, 3)).toBe(messages[3]);
    expect(findPatch(messages, 9)).toBeUndefined();
  });

  it('offers the cover letter first, then each patch with its change count', () => {
    const { choices, unassigned } = draftChoices(messages, cmp);
    expect(unassigned).toEqual([]);
    expect(choices.map((c) => [c.label.slice(0, 22), c.description])).toEqual([
      ['Cover letter: all beha', '2 behaviour changes (base → v1)'],
      ['[PATCH v1 1/5] nfsd: a', 'no behaviour change'],
      ['[PATCH v1 2/5] nfsd: c', 'no behaviour change'],
      ['[PATCH v1 3/5] nfsd: r', '2 behaviour changes'],
      ['[PATCH v1 4/5] nfsd: s', 'no behaviour change'],
      ['[PATCH v1 5/5] nfsd: u', 'no behaviour change'],
    ]);
  });

  it('builds the chosen reply, or says what the series lacks', () => {
    const cover = buildSeriesDraft(messages, cmp, { kind: 'cover' }, opts).draft;
    expect(cover.headers.subject).toBe('Re: [PATCH v1 0/5] nfsd: rework filecache refcounting');
    const p3 = buildSeriesDraft(messages, cmp, { kind: 'patch', n: 3 }, opts).draft;
    expect(p3.body).toContain('flags 2 behaviour changes in this patch');
    expect(() => buildSeriesDraft(messages, cmp, { kind: 'patch', n: 0 }, opts)).toThrow(MailError);
    expect(() => buildSeriesDraft(messages.slice(1), cmp, { kind: 'cover' }, opts)).toThrow(
      /no cover letter/,
    );
  });
});
