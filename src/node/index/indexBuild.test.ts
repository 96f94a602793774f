// The index on a small tree of our own C: shards merge into the full index,
// corrupt and stale index files are detected and rebuilt, summaries cross files
// (a put through a static inline helper in a header, a close two files away).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSources } from '../../core/analysis/analyze';
import { builtinCatalog } from '../../core/catalog/builtinCatalog';
import { CatalogIndex } from '../../core/catalog/catalog';
import type { CParser } from '../../core/parse/cParser';
import { nodeParser } from '../wasmFiles';
import { buildIndex, mergeIndexes, catalogKey, closeTree, type IndexOptions } from './indexBuild';
import { parseEntry, partEntries, partOf, partPath, readFilesIndex } from './filesIndex';
import { readAllClosed } from './closedState';
import {
  readManifest,
  writeManifest,
  recordsOfEntry,
  RELEASE_TABLE,
  treeIndexDir,
  type FileEntry,
} from './indexStore';
import { findKernelTree } from './kernelTree';
import { summariesFor } from './summarySource';
import { IndexedSummaries, LazySummaries } from './treeSummaries';
import {
  INDEX_WORKER as WORKER,
  bucketIn,
  REPO_ROOT as ROOT,
  testCatalog as catalog,
  testIndexOptions,
  writeTestTree,
} from './indexOptions.testutil';

const FILES: Record<string, string> = {
  'include/linux/widget.h': `
struct widget { refcount_t w_ref; struct file *w_file; };
void widget_free(struct widget *w);
static inline void widget_put(struct widget *w)
{
	if (refcount_dec_and_test(&w->w_ref))
		widget_free(w);
}
`,
  'fs/widget_close.c': `
void widget_close_file(struct file *f)
{
	filp_close(f, NULL);
}
`,
  'fs/widget.c': `
#include <linux/widget.h>
void widget_free(struct widget *w)
{
	widget_close_file(w->w_file);
	kfree(w);
}
`,
  'kernel/user.c': `
#include <linux/widget.h>
int widget_user(struct widget *w)
{
	widget_put(w);
	return 0;
}
`,
};
let tree: string;
let cache: string;
let parser: CParser;
const options = (extra: Partial<IndexOptions> = {}) => testIndexOptions(tree, cache, extra);
/** Every entry of the cache's files index of the tree, by path. */
const entriesOfTree = (): FileEntry[] =>
  [...partEntries(treeIndexDir(cache, tree), [])]
    .flat()
    .map(parseEntry)
    .sort((a, b) => a.p.localeCompare(b.p));

/** Bytes of the files parts of index directory `dir`. */
const filesBytes = (dir: string) => bytesOnDisk(path.join(dir, 'files'));

/** Bytes of every file under `dir`. */
function bytesOnDisk(dir: string): number {
  let n = 0;
  for (const f of fs.readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (f.isFile()) n += fs.statSync(path.join(f.parentPath ?? f.path, f.name)).size;
  return n;
}

describe.skipIf(!fs.existsSync(WORKER))('kernel-tree index', () => {
  beforeAll(async () => {
    parser = await nodeParser([path.join(ROOT, 'dist')]);
    ({ tree, cache } = writeTestTree(FILES, 'll'));
  });
  afterAll(() => {
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('finds the tree root from a file inside it', () => {
    expect(findKernelTree(path.join(tree, 'fs/widget.c'))).toBe(tree);
    expect(findKernelTree(os.tmpdir())).toBeUndefined();
  });

  it('indexes every file, then nothing when nothing changed, then only the edited file', async () => {
    // The first build on a worker thread, the edits after it on the main thread.
    const sizes: [number, number][] = [];
    const built = async (o: IndexOptions) => {
      const r = await buildIndex(o);
      sizes.push([r.indexBytes, bytesOnDisk(treeIndexDir(cache, tree))]);
      return r;
    };
    const first = await built(options({ inProcessBytes: 0 }));
    expect([first.files, first.indexed, first.reused, first.functions]).toEqual([4, 4, 0, 4]);
    // Four functions: the fewest buckets, each closed bucket beside its callers bucket.
    const closedDir = path.join(treeIndexDir(cache, tree), 'closed');
    expect(readManifest(treeIndexDir(cache, tree)).manifest?.buckets.length).toBe(16);
    expect(fs.readdirSync(closedDir).filter((f) => f.endsWith('.jsonl')).length).toBe(16 + 2);
    expect(fs.readdirSync(path.join(closedDir, 'callers')).length).toBe(16);
    const second = await built(options());
    expect([second.indexed, second.reused, second.closed]).toEqual([0, 4, false]);
    // A comment at the end changes no summary: the closed summaries stay (early cutoff).
    const user = path.join(tree, 'kernel/user.c');
    fs.appendFileSync(user, '/* edited */\n');
    const third = await built(options());
    expect([third.indexed, third.reused, third.closed]).toEqual([1, 3, false]);
    // A manifest from before the state's size was kept in it: taken from the disk, then kept.
    const dir = treeIndexDir(cache, tree);
    const { header, manifest } = readManifest(dir);
    if (!header || !manifest) throw new Error('no manifest');
    const { bytes: _kept, ...older } = manifest;
    writeManifest(dir, header, older);
    // A line inserted above moves the function: its summary changed, the tree is closed again.
    fs.writeFileSync(user, `\n${fs.readFileSync(user, 'utf8')}`);
    const fourth = await built(options());
    expect([fourth.indexed, fourth.reused, fourth.closed]).toEqual([1, 3, true]);
    expect(fourth.incremental).toBeDefined();
    // The size each run says is the index's size on disk (the manifest keeps the closed state's).
    expect(sizes).toEqual(sizes.map(([, onDisk]) => [onDisk, onDisk]));
    expect(readManifest(dir).manifest?.bytes).toBe(
      sizes[3]![1] - fs.statSync(path.join(dir, 'closed', 'manifest.jsonl')).size - filesBytes(dir),
    );
  });

  it('merges two shards into the full index', async () => {
    const a = path.join(cache, 'shard0.llidx');
    const b = path.join(cache, 'shard1.llidx');
    const s0 = await buildIndex(options({ shard: { i: 0, n: 2 }, out: a }));
    const s1 = await buildIndex(options({ shard: { i: 1, n: 2 }, out: b }));
    expect(s0.files + s1.files).toBe(4);
    expect(s0.files).toBeGreaterThan(0);
    const merged = mergeIndexes([a, b], catalogKey(catalog));
    expect(merged.problems).toEqual([]);
    expect(merged.entries.sort((x, y) => x.p.localeCompare(y.p))).toEqual(entriesOfTree());
  });

  it('detects a corrupt record and a stale catalog, says so and rebuilds', async () => {
    const dir = treeIndexDir(cache, tree);
    const part = partPath(dir, partOf('fs/widget.c'));
    const bytes = fs.readFileSync(part);
    const inPart = readFilesIndex(part, false).table.length;
    // One byte of the compressed records flipped.
    bytes[bytes.length - 12] ^= 0xff;
    fs.writeFileSync(part, bytes);
    const messages: string[] = [];
    const fixed = await buildIndex(options({ log: (m) => messages.push(m) }));
    expect([fixed.indexed, fixed.problems]).toEqual([inPart, 1]);
    expect(messages[0]).toBe(
      `${part}: checksum mismatch in the records (corrupt): its ${inPart} file(s) are re-indexed`,
    );
    expect(
      entriesOfTree()
        .find((e) => e.p === 'fs/widget.c')
        ?.r.map((r) => r.name),
    ).toEqual(['widget_free']);
    const other = new CatalogIndex({ ...builtinCatalog, calls: builtinCatalog.calls.slice(1) });
    messages.length = 0;
    const rebuilt = await buildIndex(options({ catalog: other, log: (m) => messages.push(m) }));
    expect(rebuilt.indexed).toBe(4);
    expect(messages[0]).toBe(
      `index ${path.join(dir, 'files')} is stale (built with another primitive catalog): rebuilding`,
    );
    await buildIndex(options());
  });

  it('reads back every closed summary as the closure computed it (compact buckets)', () => {
    const expected = closeTree(entriesOfTree().map(recordsOfEntry));
    const indexed = IndexedSummaries.open(tree, cache, catalog);
    if (!(indexed instanceof IndexedSummaries)) throw new Error(indexed.missing);
    const display = path.relative(process.cwd(), tree);
    const at = (f: string) => `${display}/${f}`;
    const names: string[] = [];
    for (const s of expected.values()) {
      const { edges: _e, sinks: _s, entered: _n, sleeps: _z, ...kept } = s;
      void [_e, _s, _n, _z];
      names.push(s.name);
      expect(indexed.summary(s.name, path.join(tree, s.file))).toEqual({
        ...kept,
        file: at(s.file),
        release: s.release.map((r) => ({ ...r, file: at(r.file) })),
        // The depth of each context is the closure's bookkeeping: not handed out.
        ...(s.reachedIn
          ? {
              reachedIn: s.reachedIn.map((r) => {
                const { depth: _d, ...x } = r as typeof r & { depth?: number };
                void _d;
                return { ...x, file: at(r.file) };
              }),
            }
          : {}),
      });
    }
    expect(names.sort()).toEqual(['widget_close_file', 'widget_free', 'widget_put', 'widget_user']);
    // One close reached by three functions: stored once.
    const table = fs
      .readFileSync(path.join(treeIndexDir(cache, tree), 'closed', RELEASE_TABLE), 'utf8')
      .trim()
      .split('\n');
    expect(table.length - 1).toBe(1);
    expect(indexed.problems).toEqual([]);
    // All of them at once, as scripts/gen-helper-facts.mjs reads them.
    const all = readAllClosed(treeIndexDir(cache, tree));
    expect(all.problems).toEqual([]);
    expect(
      all.summaries.map((s) => `${s.name} ${s.release.map((r) => r.sink).join(',')}`).sort(),
    ).toEqual([
      'widget_close_file filp_close',
      'widget_free filp_close',
      'widget_put filp_close',
      'widget_user filp_close',
    ]);
  });

  it('detects a corrupt table of files and a corrupt release table, says so and rebuilds', async () => {
    const dir = treeIndexDir(cache, tree);
    const part = partPath(dir, partOf('kernel/user.c'));
    const inPart = readFilesIndex(part, false).table.length;
    const text = fs.readFileSync(part);
    const at = text.indexOf('kernel/user.c');
    text[at] = 'K'.charCodeAt(0);
    fs.writeFileSync(part, text);
    const messages: string[] = [];
    const fixed = await buildIndex(options({ log: (m) => messages.push(m) }));
    expect([fixed.indexed, fixed.problems, fixed.closed]).toEqual([inPart, 1, true]);
    expect(messages[0]).toBe(
      `${part}: checksum mismatch in the table of files (corrupt): its files are re-indexed`,
    );
    // A damaged release table: summaries naming releases are not used, the next index run re-closes.
    const releases = path.join(dir, 'closed', RELEASE_TABLE);
    fs.writeFileSync(
      releases,
      fs.readFileSync(releases, 'utf8').replace('filp_close', 'filp_clos3'),
    );
    const broken = IndexedSummaries.open(tree, cache, catalog) as IndexedSummaries;
    expect(broken.summary('widget_free', 'kernel/user.c')).toBeUndefined();
    expect(broken.problems).toEqual([
      `${releases}:2: checksum mismatch (corrupt record): summaries with release work not used (re-run index)`,
      `${path.join(dir, 'closed', bucketIn(dir, 'widget_free'))}.jsonl: the summary of widget_free names a release the index lacks: not used`,
    ]);
    const again = await buildIndex(options());
    expect([again.indexed, again.closed]).toEqual([0, true]);
    const repaired = IndexedSummaries.open(tree, cache, catalog) as IndexedSummaries;
    expect(repaired.summary('widget_free', path.join(tree, 'kernel/user.c'))?.release.length).toBe(
      1,
    );
    expect(repaired.problems).toEqual([]);
  });

  it('a damaged closed bucket an analysis finds is not used, and the next index run closes again', async () => {
    const dir = treeIndexDir(cache, tree);
    const bucket = `${path.join(dir, 'closed', bucketIn(dir, 'widget_free'))}.jsonl`;
    const text = fs.readFileSync(bucket, 'utf8');
    // One summary line altered behind its checksum.
    fs.writeFileSync(
      bucket,
      text.replace(
        '"name":"widget_free","file":"fs/widget.c","line":',
        '"name":"widget_free","file":"fs/widget.c","line":9',
      ),
    );
    const broken = IndexedSummaries.open(tree, cache, catalog) as IndexedSummaries;
    expect(broken.summary('widget_free', path.join(tree, 'kernel/user.c'))).toBeUndefined();
    expect(broken.problems).toEqual([
      `${bucket}: checksum mismatch in the summary of widget_free (corrupt line): not used (re-run index)`,
    ]);
    // The files index is unchanged: only the damage the analysis kept makes the run re-close.
    const messages: string[] = [];
    const again = await buildIndex(options({ log: (m) => messages.push(m) }));
    expect([again.indexed, again.closed]).toEqual([0, true]);
    expect(messages.filter((m) => m.startsWith('closing the whole tree'))).toEqual([
      `closing the whole tree: an analysis found it damaged (${bucket}: checksum mismatch in the summary of widget_free (corrupt line))`,
    ]);
    // Rewritten as it was (under a new tag in its header).
    const body = (t: string) => t.slice(t.indexOf('\n'));
    expect(body(fs.readFileSync(bucket, 'utf8'))).toBe(body(text));
    const repaired = IndexedSummaries.open(tree, cache, catalog) as IndexedSummaries;
    expect(repaired.summary('widget_free', path.join(tree, 'kernel/user.c'))?.name).toBe(
      'widget_free',
    );
    expect(repaired.problems).toEqual([]);
    // ... and the run after it has nothing to do.
    expect((await buildIndex(options())).closed).toBe(false);
  });

  it('keeps summaries built on demand in the parts they belong to, read back by the next run', () => {
    const lazyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'll-lazy-'));
    try {
      const file = path.join(tree, 'kernel/user.c');
      const first = new LazySummaries(tree, () => parser, catalog, [file], lazyCache);
      expect(
        first.summary('widget_close_file', 'kernel/user.c')?.release.map((r) => r.sink),
      ).toEqual(['filp_close']);
      const summarised = first.filesSummarised;
      expect(summarised).toBeGreaterThan(0);
      first.persist();
      const dir = treeIndexDir(lazyCache, tree);
      const kept = [...partEntries(dir, [])].flat().map((e) => e.p);
      expect(kept.length).toBe(summarised);
      for (const p of kept)
        expect(readFilesIndex(partPath(dir, partOf(p)), false).bodyOk).toBe(true);
      const second = new LazySummaries(tree, () => parser, catalog, [file], lazyCache);
      expect(
        second.summary('widget_close_file', 'kernel/user.c')?.release.map((r) => r.sink),
      ).toEqual(['filp_close']);
      expect(second.filesSummarised).toBe(0);
    } finally {
      fs.rmSync(lazyCache, { recursive: true, force: true });
    }
  });

  it('gives callers in one file the summaries of the rest of the tree', () => {
    const file = path.join(tree, 'kernel/user.c');
    const chosen = summariesFor([file], { cacheDir: cache }, catalog, parser);
    expect(chosen.how).toBe(`index of ${tree}`);
    const model = analyzeSources([{ path: file, text: fs.readFileSync(file, 'utf8') }], {
      parser,
      catalog,
      summaries: chosen.source,
    });
    const user = model.functions.find((f) => f.name === 'widget_user');
    // The put through the header's static inline helper is recognised at the call site.
    expect(user?.calls.map((c) => [c.callee, c.role, c.objectType])).toEqual([
      ['widget_put', 'ref-put', 'widget'],
    ]);
    // ... and its close two files away (widget_free -> widget_close_file -> filp_close).
    expect(user?.releaseInline).toEqual(['close']);
    expect(user?.maySleep).toBe(true);
  });
});
