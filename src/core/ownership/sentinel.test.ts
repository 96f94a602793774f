// Hash-sentinel designs in the forms real kernels use (our own C): the exact
// holders of each object's references, and no findings.
import { describe, expect, it } from 'vitest';
import { analyzeFixture } from '../analysis/testSupport.testutil';

const CASES: [string, Record<string, string[]>][] = [
  // (a) hlist + bucket lock: a get (through a wrapper) at the insert, a removal-put in unhash.
  ['ownership/sentinel-hlist.c', { widget: ['caller widget_get', 'hash widget_hash'] }],
  // (b) rhashtable, count set to 2 at allocation, dec_not_one + dispose list on unhash.
  ['ownership/sentinel-count-two.c', { gadget: ['hash gadget_unhash'] }],
  // (c) an LRU that counts a reference (tile) and one that only links the object (slab_tag).
  [
    'ownership/sentinel-lru.c',
    { slab_tag: ['hash tag_hash_insert'], tile: ['hash tile_hash_insert', 'lru tile_lru_add'] },
  ],
  // Created with two references (kref_init + kref_get): the caller's and the completion's.
  ['ownership/count-two-completion.c', { xfer_req: [] }],
];

describe('hash-sentinel designs', () => {
  for (const [file, holders] of CASES)
    it(file, async () => {
      const model = await analyzeFixture(file);
      expect(
        Object.fromEntries(
          model.objects.map((o) => [o.type, o.holders.map((h) => `${h.holder} ${h.function}`)]),
        ),
      ).toEqual(holders);
      expect(model.findings).toEqual([]);
    });
});
