// The worker gets callees outside the open files from the kernel tree they sit
// in (test-fixtures/kernel-tree, our own C): its index, or summaries built on
// demand, or the tree named by lifecycleLens.kernelTree. Drives the real worker
// bundle (dist/analysisWorker.js, built by `npm run build`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgramModel } from '../core/model';
import { AnalysisClient } from './analysisClient';

const root = path.join(__dirname, '../..');
const script = path.join(root, 'dist/analysisWorker.js');
const tree = path.join(root, 'test-fixtures/kernel-tree');
const gizmo = path.join(tree, 'fs/gizmo/gizmo.c');
const backing = path.join(tree, 'fs/gizmo/backing.c');
const text = fs.readFileSync(gizmo, 'utf8');

/** Each release path as entry, context, mode, release and the chain's functions with files. */
function closes(model: ProgramModel): string[] {
  return model.objects
    .flatMap((o) =>
      (o.releasePaths ?? []).map(
        (p) =>
          `${p.entry} (${p.runsIn}) ${p.mode} ${p.release} via ${p.chain.map((c) => `${c.function}@${path.basename(c.at.file)}`).join(' > ')}`,
      ),
    )
    .sort();
}

const REACHED = [
  'gizmo_put (process) inline close via gizmo_put@gizmo.c > gizmo_free@gizmo.c > gizmo_drop_backing@backing.c',
  'gizmo_put (workqueue) inline close via gizmo_put@gizmo.c > gizmo_free@gizmo.c > gizmo_drop_backing@backing.c',
  'gizmo_reap (workqueue) inline close via gizmo_reap@gizmo.c > gizmo_put@gizmo.c > gizmo_free@gizmo.c > gizmo_drop_backing@backing.c',
];

describe.skipIf(!fs.existsSync(script))('worker with the kernel tree index', () => {
  let cache: string;
  const clients: AnalysisClient[] = [];
  const client = async (tuning: { kernelTree?: string; cacheDir?: string }) => {
    const c = new AnalysisClient(script);
    clients.push(c);
    await c.configure([], 2 * 1024 * 1024, tuning);
    return c;
  };
  beforeAll(() => {
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'll-ext-index-'));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('a file opened alone reaches the close in another file: on demand without an index', async () => {
    const c = await client({ cacheDir: cache });
    const told: string[][] = [];
    c.onTreesWithoutIndex = (trees) => told.push(trees);
    const r = await c.analyze([{ path: gizmo, text }], []);
    // Said before the on-demand work (the editor offers to build the index then).
    expect(told).toEqual([[tree]]);
    expect(r.timings.callees).toEqual([
      `callees of 1 file(s): no index of ${tree} in ${cache}; summarising the callees' files of ${tree} on demand`,
    ]);
    expect(closes(r.model)).toEqual(REACHED);
    // The editor offers to index that tree.
    expect(r.timings.treesWithoutIndex).toEqual([tree]);
    // The close's location is the tree's file, as the editor opens it.
    const chain = r.model.objects.flatMap((o) => o.releasePaths ?? [])[0].chain;
    expect(chain[chain.length - 1].at.file).toBe(backing);
  });

  it('builds the whole index on a second worker, then reads the same close from it', async () => {
    const c = await client({ cacheDir: cache });
    const before = await c.analyze([{ path: gizmo, text }], []);
    expect(before.timings.treesWithoutIndex).toEqual([tree]);
    // As the Build Kernel Tree Index command does it: a worker of its own, configured alike.
    const indexer = new AnalysisClient(script);
    clients.push(indexer);
    await indexer.configureLike(c);
    c.treeIndex(tree, 'building');
    const seen: number[] = [];
    const stats = await indexer.buildTreeIndex(tree, { onProgress: (p) => seen.push(p.done) });
    c.treeIndex(tree, 'built');
    expect([stats.files, stats.indexed, stats.closed, stats.cancelled]).toEqual([
      3,
      1, // the header: gizmo.c and backing.c were summarised by the on-demand run, and kept
      true,
      undefined,
    ]);
    expect(seen[seen.length - 1]).toBe(1);
    const r = await c.analyze([{ path: gizmo, text }], []);
    expect(r.timings.callees).toEqual([`callees of 1 file(s): index of ${tree}`]);
    expect(r.timings.treesWithoutIndex).toBeUndefined();
    expect(closes(r.model)).toEqual(REACHED);
    // An edit keeps the program's source: nothing new to say.
    const edited = await c.analyze([{ path: gizmo, text: `${text}\n/* edited */\n` }], []);
    expect(edited.timings.callees).toBeUndefined();
    expect(closes(edited.model)).toEqual(REACHED);
  });

  it('lifecycleLens.kernelTree serves a copy of the file outside any tree', async () => {
    const away = path.join(cache, 'review', 'gizmo.c');
    fs.mkdirSync(path.dirname(away), { recursive: true });
    fs.writeFileSync(away, text);
    const alone = await client({ cacheDir: cache });
    expect(closes((await alone.analyze([{ path: away, text }], [])).model)).toEqual([]);
    const c = await client({ cacheDir: cache, kernelTree: tree });
    const r = await c.analyze([{ path: away, text }], []);
    expect(r.timings.callees).toEqual([`callees of 1 file(s): index of ${tree}`]);
    // Who calls gizmo_put() in the tree is known for the tree's file only, not for a copy.
    expect(closes(r.model)).toEqual([REACHED[0], REACHED[2]]);
  });

  it('a configured path that is no kernel tree is said once, and the files find theirs', async () => {
    const c = await client({ cacheDir: cache, kernelTree: cache });
    const r = await c.analyze([{ path: gizmo, text }], []);
    expect(r.timings.callees).toEqual([
      `lifecycleLens.kernelTree: ${cache}: not a kernel tree (needs include/linux and fs or kernel)`,
      `callees of 1 file(s): index of ${tree}`,
    ]);
    expect(closes(r.model)).toEqual(REACHED);
  });
});
