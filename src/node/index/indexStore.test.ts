import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketCount, bucketOf, readManifest, writeManifest } from './indexStore';
import { TEST_CLOSED_HEADER } from './indexOptions.testutil';

describe('bucket counts', () => {
  it('grows in powers of two with the summaries, from 16 to 4096', () => {
    expect([0, 2048, 2049, 40_000, 711_407, 10_000_000].map(bucketCount)).toEqual([
      16, 16, 32, 512, 4096, 4096,
    ]);
  });

  it('puts a name in the bucket the format fixes (FNV-1a: indexes written earlier stay readable)', () => {
    expect([bucketOf('nfsd_file_put', 16), bucketOf('nfsd_file_put', 4096)]).toEqual([
      '007',
      'f47',
    ]);
    expect(bucketOf('fput', 4096)).toBe('92a');
  });

  it('takes a manifest only with a count a closure can have chosen', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-manifest-'));
    try {
      fs.mkdirSync(path.join(dir, 'closed'));
      const counts = [16, 24, 8192, 32];
      const read = counts.map((n) => {
        const tags = Array.from({ length: n }, () => 't');
        writeManifest(dir, TEST_CLOSED_HEADER, { buckets: tags, callers: tags, release: 't' });
        return readManifest(dir).manifest?.buckets.length;
      });
      expect(read).toEqual([16, undefined, undefined, 32]);
      writeManifest(dir, TEST_CLOSED_HEADER, { buckets: ['t'], callers: ['t'], release: 't' });
      expect(readManifest(dir).problems).toEqual([
        `${path.join(dir, 'closed', 'manifest.jsonl')}: unreadable manifest (its bucket lists)`,
      ]);
      const tags = Array.from({ length: 32 }, () => 't');
      writeManifest(dir, TEST_CLOSED_HEADER, {
        buckets: tags,
        callers: tags.slice(16),
        release: 't',
      });
      expect(readManifest(dir).manifest).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
