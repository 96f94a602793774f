// The editor on a real kernel: 6.12 fs/nfsd/filecache.c opened alone goes to
// the analysis worker, which finds its tree and uses the tree's index for the
// callees outside it, through the lookup the CLI uses. Its release paths and
// findings must be the CLI's (`analyze filecache.c` in its tree), the close
// through nfsd_filp_close() in vfs.c included. Runs when the corpus
// (scripts/fetch-corpus.sh) and the build (dist/) are present.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSources } from '../src/core/analysis/analyze';
import { builtinCatalog } from '../src/core/catalog/builtinCatalog';
import { CatalogIndex } from '../src/core/catalog/catalog';
import type { ProgramModel } from '../src/core/model';
import { AnalysisClient } from '../src/extension/analysisClient';
import { buildIndex } from '../src/node/index/indexBuild';
import { summariesFor } from '../src/node/index/summarySource';
import { nodeParser } from '../src/node/wasmFiles';

const ROOT = path.resolve(__dirname, '..');
const TREE = path.join(ROOT, '.cache/kernel/6.12');
const FILECACHE = path.join(TREE, 'fs/nfsd/filecache.c');
const DIST = path.join(ROOT, 'dist');
const present =
  fs.existsSync(FILECACHE) &&
  fs.existsSync(path.join(DIST, 'indexWorker.js')) &&
  fs.existsSync(path.join(DIST, 'analysisWorker.js'));
// The realtree test's index: whichever runs first builds it, the other reuses it.
const CACHE = path.join(os.tmpdir(), 'lifecycle-lens-realtree-index');

/** Release paths (with their chains, files absolute) and findings: what the editor shows. */
function shown(model: ProgramModel) {
  const at = (f: string) => path.resolve(ROOT, f);
  return {
    releasePaths: model.objects
      .flatMap((o) =>
        o.releasePaths.map(
          (p) =>
            `${o.type} ${p.entry} ${p.entryContext} ${p.runsIn} ${p.mode} ${p.release} ${p.sink}: ` +
            p.chain.map((c) => `${c.function}@${at(c.at.file)}:${c.at.line}`).join(' > '),
        ),
      )
      .sort(),
    findings: model.findings.map((f) => `${f.kind} ${at(f.at.file)}:${f.at.line}`).sort(),
  };
}

describe.skipIf(!present)('6.12 filecache.c opened alone in the editor', () => {
  const catalog = new CatalogIndex(builtinCatalog);
  const client = new AnalysisClient(path.join(DIST, 'analysisWorker.js'));
  let cli: ReturnType<typeof shown>;
  beforeAll(async () => {
    await buildIndex({
      root: TREE,
      cacheDir: CACHE,
      catalog,
      wasmDirs: [DIST],
      workerScript: path.join(DIST, 'indexWorker.js'),
    });
    const parser = await nodeParser([DIST]);
    const chosen = summariesFor([FILECACHE], { cacheDir: CACHE }, catalog, parser);
    expect(chosen.how).toBe(`index of ${TREE}`);
    const text = fs.readFileSync(FILECACHE, 'utf8');
    cli = shown(
      analyzeSources([{ path: FILECACHE, text }], { parser, catalog, summaries: chosen.source }),
    );
  }, 600_000);
  afterAll(() => client.stop());

  it("gets the CLI's release paths and findings from the tree's index", async () => {
    await client.configure([], 2 * 1024 * 1024, { cacheDir: CACHE });
    const r = await client.analyze(
      [{ path: FILECACHE, text: fs.readFileSync(FILECACHE, 'utf8') }],
      [],
    );
    expect(r.timings.callees).toEqual([`callees of 1 file(s): index of ${TREE}`]);
    const editor = shown(r.model);
    expect(editor).toEqual(cli);
    // The close two files away: nfsd_file_free() -> nfsd_filp_close() in vfs.c.
    const vfs = path.join(TREE, 'fs/nfsd/vfs.c');
    const viaVfs = editor.releasePaths.filter((p) => p.includes(`nfsd_filp_close@${vfs}:`));
    // Of the 108 release paths, 101 end in vfs.c: a close (filp_close) or an fput
    // (__fput_sync), e.g. inline in process context from the cache purge.
    const kinds = (p: string) => p.split(':')[0].split(' ').slice(-2).join(' ');
    expect([editor.releasePaths.length, viaVfs.length]).toEqual([108, 101]);
    expect([...new Set(viaVfs.map(kinds))].sort()).toEqual([
      'close filp_close',
      'fput __fput_sync',
    ]);
    expect(viaVfs.map((p) => p.split(':')[0])).toContain(
      'nfsd_file nfsd_file_cache_purge process process inline close filp_close',
    );
  }, 120_000);
});
