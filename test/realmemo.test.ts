// Real kernel code: re-analysing Debian's 6.12 fs/nfsd after edits, the way the
// editor does (the AnalysisMemo kept, unchanged functions' facts reused), gives
// exactly the model a fresh analysis gives: the memo is only a cache.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFacts, extractSources } from '../src/core/analysis/analyze';
import { AnalysisMemo } from '../src/core/analysis/memo';
import { CatalogIndex } from '../src/core/catalog/catalog';
import { extractFileFacts } from '../src/core/facts/extractFile';
import { collectSources } from '../src/node/sourceFiles';
import { nodeParser } from '../src/node/wasmFiles';

const CACHE = process.env.LL_CACHE ?? path.resolve(__dirname, '../.cache/kernel');
const NFSD = path.join(CACHE, '6.12/fs/nfsd');
const present = fs.existsSync(path.join(CACHE, '6.12', '.stamp'));

describe.skipIf(!present)('AnalysisMemo on 6.12 fs/nfsd', () => {
  it('gives the fresh model after edits of filecache.c that change what its functions do', async () => {
    const parser = await nodeParser();
    const catalog = new CatalogIndex();
    const { sources } = collectSources([NFSD], { maxFileBytes: 8 << 20 });
    const { files, reports } = extractSources(sources, { parser, catalog });
    const memo = new AnalysisMemo(catalog);
    analyzeFacts(files, catalog, reports, memo);
    const at = files.findIndex((f) => f.file.endsWith('/filecache.c'));
    const text = sources.find((s) => s.path.endsWith('/filecache.c'))?.text ?? '';
    const edits = [
      // nfsd_file_put() keeps its reference: no longer a put wrapper, callers change.
      text.replace(/(\bnfsd_file_put\(struct nfsd_file \*nf\)\n\{)/, '$1\n\treturn;'),
      // Typing inside nfsd_file_gc() (nfsd_file_put() restored).
      text.replace('\tspin_lock(&nfsd_gc_lock);', '\tspin_lock(&nfsd_gc_lock); cpu_relax();'),
      // The original text: only nfsd_file_gc() differs from the previous one.
      text,
    ];
    expect(edits.slice(0, 2).every((e) => e !== text)).toBe(true);
    const reused: number[] = [];
    const putWrapper: (string | undefined)[] = [];
    const misses: number[] = [];
    for (const edit of edits) {
      const next = memo.reuseUnchanged(
        files[at],
        extractFileFacts(files[at].file, edit, parser, catalog),
      );
      reused.push(next.functions.filter((f) => files[at].functions.includes(f)).length);
      files[at] = next;
      memo.hits = memo.misses = 0;
      const warm = analyzeFacts(files, catalog, reports, memo);
      expect(warm).toEqual(analyzeFacts(files, catalog, reports));
      putWrapper.push(warm.functions.find((f) => f.name === 'nfsd_file_put')?.wrapper);
      misses.push(memo.misses);
    }
    // Reused: the 16 functions above nfsd_file_put() (the new line moves the rest),
    // again after it is restored, then all but nfsd_file_gc() of the 47.
    expect(reused).toEqual([16, 16, 46]);
    expect(putWrapper).toEqual([undefined, 'put', 'put']);
    // The last run recomputes only nfsd_file_gc(), the one function that changed.
    expect(misses[2]).toBe(1);
  }, 120_000);
});
