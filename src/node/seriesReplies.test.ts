// Replies to v1 of the fixture series (our own mail: two reviewers, a cover
// reply naming nothing, a reply to v2; and our own review draft of v1 3/5):
// for each change they raised, whether v2 keeps, reverses or changes it.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readReplies, type FollowUp } from '../core/compare/raisedChanges';
import { parseMail } from '../core/mail/rfc2822';
import { rebasedSeriesDocument, rebasedSeriesText } from '../core/reports/rebasedSeriesText';
import { compareRebasedSeries } from './seriesBases';
import { nodeParser } from './wasmFiles';

const SERIES = path.resolve(__dirname, '../../test-fixtures/series');
const SEED = '/work/shared/seed/review-thread-2022-11.txt';

const replies = (file: string) => {
  const bytes = fs.readFileSync(file);
  return readReplies(() => parseMail(bytes), bytes.toString('utf8'));
};

async function followUpOf(file: string) {
  const s = await compareRebasedSeries({
    parser: await nodeParser(),
    mboxes: [path.join(SERIES, 'v1.mbox'), path.join(SERIES, 'v2.mbox')],
    defaultBase: { dir: path.join(SERIES, 'base') },
    replies: replies(file),
  });
  return { s, f: s.steps[0].followUp as FollowUp };
}

const rows = (f: FollowUp) =>
  f.raised.map((r) => [
    r.verdict,
    r.change.code,
    r.change.function,
    r.change.entryContext ?? null,
    r.source.kind,
    r.source.author ?? null,
    r.matchedBy,
    r.verdict === 'changed' ? (r.now?.to ?? null) : null,
  ]);

describe('series: what v2 did with what the replies to v1 raised', () => {
  let review: Awaited<ReturnType<typeof followUpOf>>;
  beforeAll(async () => {
    review = await followUpOf(path.join(SERIES, 'replies/v1-review.mbox'));
  });

  it('reviewers: the quoted close_inode hunk (fsnotify), close_inode_sync, the purge', () => {
    const quoted = (f: string) => [`quoted ${f}()`];
    expect(rows(review.f)).toEqual([
      [
        'reversed',
        'LL1',
        'nfsd_file_close_inode',
        'fsnotify',
        'reply',
        'Reviewer One',
        quoted('nfsd_file_close_inode'),
        null,
      ],
      [
        'changed',
        'LL6',
        'nfsd_file_close_inode',
        null,
        'reply',
        'Reviewer One',
        quoted('nfsd_file_close_inode'),
        'list_add, nfsd_file_dispose_list_delayed',
      ],
      [
        'kept',
        'LL6',
        'nfsd_file_close_inode_sync',
        null,
        'reply',
        'Reviewer One',
        quoted('nfsd_file_close_inode_sync'),
        null,
      ],
      [
        'kept',
        'LL3',
        'nfsd_file_cache_purge',
        null,
        'reply',
        'Reviewer Two',
        ['nfsd_file_cache_purge'],
        null,
      ],
      [
        'kept',
        'LL6',
        'nfsd_file_cache_purge',
        null,
        'reply',
        'Reviewer Two',
        ['nfsd_file_cache_purge'],
        null,
      ],
    ]);
    // The cover reply names nothing; the reply to v2 is not about v1.
    expect(review.f.unmatched.map((u) => u.subject)).toEqual([
      'Re: [PATCH v1 0/5] nfsd: rework filecache refcounting',
    ]);
  });

  it('shows in the text report and the JSON document', () => {
    const text = rebasedSeriesText(review.s);
    expect(text).toContain('5 changes raised in replies to v1: v2 keeps 3, reverses 1, changes 1');
    expect(text).toContain('v2 is back to the base');
    const doc = rebasedSeriesDocument(review.s);
    expect(doc.steps[0].followUp?.raised.map((r) => r.verdict)).toEqual([
      'reversed',
      'changed',
      'kept',
      'kept',
      'kept',
    ]);
  });

  it('our own review draft of v1 3/5: every change it lists, by title', async () => {
    const { f } = await followUpOf(path.join(SERIES, 'replies/v1-patch3-draft.eml'));
    expect(f.raised.every((r) => r.source.kind === 'draft')).toBe(true);
    expect(f.raised.map((r) => `${r.verdict} ${r.change.code} ${r.change.function}`)).toEqual([
      'reversed LL1 nfsd_file_close_inode',
      'reversed LL1 nfsd_file_close_inode',
      'kept LL3 nfsd_file_put',
      'kept LL3 nfsd_file_lru_cb',
      'kept LL3 nfsd_file_put_noref',
      'kept LL3 nfsd_file_dispose_isolated',
      'changed LL6 nfsd_file_close_inode',
      'kept LL13 nfsd_file_lru_cb',
      'kept LL6 nfsd_file_close_inode_sync',
      'kept LL1 nfsd_file_put',
    ]);
  });

  // The real review (kept outside the repository): Neil Brown's reply to v4 of the
  // 2022 filecache series, on the fixture series that models it (v1 = inline close).
  it.skipIf(!fs.existsSync(SEED))('the seed reply: the inline close is reversed', async () => {
    const { f } = await followUpOf(SEED);
    expect(rows(f)).toEqual([
      [
        'reversed',
        'LL1',
        'nfsd_file_close_inode',
        'fsnotify',
        'reply',
        null,
        ['nfsd_file_close_inode'],
        null,
      ],
      [
        'changed',
        'LL6',
        'nfsd_file_close_inode',
        null,
        'reply',
        null,
        ['nfsd_file_close_inode'],
        'list_add, nfsd_file_dispose_list_delayed',
      ],
      [
        'kept',
        'LL6',
        'nfsd_file_close_inode_sync',
        null,
        'reply',
        null,
        ['close_inode_sync'],
        null,
      ],
    ]);
  });
});
