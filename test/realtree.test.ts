// Release knowledge across files on real kernels: 6.12 fs/nfsd/filecache.c
// closes through nfsd_filp_close() in fs/nfsd/vfs.c. Analysed alone inside
// its tree (index, or summaries built on demand) it must give what the whole
// fs/nfsd analysis gives; a lone copy must find the close through the shipped
// helper facts or name the callee it could not follow. Runs when the corpus
// (scripts/fetch-corpus.sh) and the build (dist/indexWorker.js) are present.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSources, type SourceFile } from '../src/core/analysis/analyze';
import { SummaryList, type SummarySource } from '../src/core/analysis/calleeSummary';
import { builtinCatalog } from '../src/core/catalog/builtinCatalog';
import { CatalogIndex } from '../src/core/catalog/catalog';
import type { ProgramModel } from '../src/core/model';
import type { CParser } from '../src/core/parse/cParser';
import { buildIndex } from '../src/node/index/indexBuild';
import { summariesFor } from '../src/node/index/summarySource';
import { compareTexts } from '../src/node/revisions';
import { collectSources } from '../src/node/sourceFiles';
import { nodeParser } from '../src/node/wasmFiles';

const ROOT = path.resolve(__dirname, '..');
const TREE = path.join(ROOT, '.cache/kernel/6.12');
const TREE_61 = path.join(ROOT, '.cache/kernel/6.1');
const FILECACHE = path.join(TREE, 'fs/nfsd/filecache.c');
const WORKER = path.join(ROOT, 'dist/indexWorker.js');
const present = fs.existsSync(FILECACHE) && fs.existsSync(WORKER);
// Kept between runs: the second run re-indexes nothing.
const CACHE = path.join(os.tmpdir(), 'lifecycle-lens-realtree-index');
const LAZY_CACHE = path.join(os.tmpdir(), 'lifecycle-lens-realtree-lazy');

const catalog = new CatalogIndex(builtinCatalog);
let parser: CParser;

function read(p: string): SourceFile[] {
  return collectSources([p], { maxFileBytes: 8 << 20 }).sources;
}

function analyse(p: string, source: SummarySource): ProgramModel {
  return analyzeSources(read(p), { parser, catalog, summaries: source });
}

/** What must agree: the nfsd_file object and the release contexts of filecache.c's entries. */
function view(model: ProgramModel) {
  const o = model.objects.find((x) => x.type === 'nfsd_file');
  if (!o) throw new Error('no nfsd_file object');
  const own = new Set(
    model.functions.filter((f) => f.file.endsWith('fs/nfsd/filecache.c')).map((f) => f.name),
  );
  return {
    refField: o.refField,
    holders: o.holders.map((h) => `${h.holder} ${h.function}`).sort(),
    finalPutSites: o.finalPutSites.map((s) => `${s.function} ${s.call} ${s.at.line}`).sort(),
    releaseContexts: [
      ...new Set(
        o.releasePaths
          .filter((p) => own.has(p.entry))
          .map((p) => `${p.entry} ${p.entryContext} ${p.runsIn} ${p.mode} ${p.release}`),
      ),
    ].sort(),
  };
}

describe.skipIf(!present)('6.12 fs/nfsd/filecache.c inside its tree', () => {
  let indexed: SummarySource;
  beforeAll(async () => {
    parser = await nodeParser([path.join(ROOT, 'dist')]);
    await buildIndex({
      root: TREE,
      cacheDir: CACHE,
      catalog,
      wasmDirs: [path.join(ROOT, 'dist')],
      workerScript: WORKER,
    });
    const chosen = summariesFor([FILECACHE], { cacheDir: CACHE }, catalog, parser);
    expect(chosen.how).toBe(`index of ${TREE}`);
    indexed = chosen.source;
  }, 600_000);

  it('alone with the index equals the whole fs/nfsd analysis with the index', () => {
    const alone = view(analyse(FILECACHE, indexed));
    const whole = view(analyse(path.join(TREE, 'fs/nfsd'), indexed));
    expect(alone).toEqual(whole);
    expect(alone.holders).toEqual(['caller nfsd_file_get', 'lru nfsd_file_put']);
    // The close through nfsd_filp_close() (filp_close + __fput_sync) is reached again.
    expect(alone.releaseContexts).toContain('nfsd_file_put process process inline close');
    expect(alone.releaseContexts).toContain('nfsd_file_put process process inline fput');
    expect(alone.releaseContexts).toContain('nfsd_file_lru_scan shrinker process deferred close');
    expect(alone.releaseContexts).toContain(
      'nfsd_file_gc_worker delayed-work process deferred close',
    );
  }, 300_000);

  it('alone with summaries built on demand (no index) equals the index', () => {
    const chosen = summariesFor([FILECACHE], { cacheDir: LAZY_CACHE }, catalog, parser);
    expect(chosen.how).toContain('on demand');
    const lazy = view(analyse(FILECACHE, chosen.source));
    chosen.notes();
    expect(lazy).toEqual(view(analyse(FILECACHE, indexed)));
  }, 300_000);

  it('a lone copy finds the close through the shipped helper facts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-lone-'));
    try {
      const copy = path.join(dir, 'filecache.c');
      fs.copyFileSync(FILECACHE, copy);
      const chosen = summariesFor([copy], {}, catalog, parser);
      expect(chosen.tree).toBeUndefined();
      const model = analyse(copy, chosen.source);
      const o = model.objects.find((x) => x.type === 'nfsd_file');
      const close = o?.releasePaths.find(
        (p) => p.entry === 'nfsd_file_put' && p.release === 'close' && p.mode === 'inline',
      );
      expect(close?.chain.map((s) => s.call).slice(-2)).toEqual(['nfsd_filp_close', 'filp_close']);
      expect(model.notFollowed ?? []).toEqual([]);
      // Without any facts the callee is named, never silently a no-op.
      const bare = analyse(copy, new SummaryList([]));
      expect(bare.notFollowed).toEqual([
        {
          callee: 'nfsd_filp_close',
          function: 'nfsd_file_free',
          objectType: 'nfsd_file',
          argument: 'nf->nf_file',
          at: { file: copy, line: 287, column: 3 },
        },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it.skipIf(!fs.existsSync(path.join(TREE_61, 'fs/nfsd/filecache.c')))(
    'a single-file compare 6.1 -> 6.12 in their trees keeps the close reached',
    () => {
      const a = path.join(TREE_61, 'fs/nfsd/filecache.c');
      const before = summariesFor([a], { cacheDir: LAZY_CACHE }, catalog, parser);
      const after = summariesFor([FILECACHE], { cacheDir: CACHE }, catalog, parser);
      const result = compareTexts(
        { label: '6.1', sources: [{ path: 'filecache.c', text: fs.readFileSync(a, 'utf8') }] },
        {
          label: '6.12',
          sources: [{ path: 'filecache.c', text: fs.readFileSync(FILECACHE, 'utf8') }],
        },
        { parser, catalog, summaries: before.source, summariesAfter: after.source },
      );
      before.notes();
      expect(result.changes.filter((c) => /no longer reached/.test(c.title))).toEqual([]);
    },
    300_000,
  );
});
