// Listing a tree on two threads. Reading the directories is one walk on this
// thread; the stat of each file (60k on a whole kernel, most of a re-index that
// finds little changed) is shared with a worker: both claim chunks of the list
// from a shared counter and write into a shared array, so a worker that boots
// late simply takes fewer chunks, and the result is the same as listTreeFiles.
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { statPaths, treeBase, treeFilesOf, treeSourcePaths, type TreeFile } from './kernelTree';

/** Paths a thread stats per claim (about 1.5 ms of work). */
const CHUNK = 256;

/** What both threads share: the paths, the claim counters and the stats. */
export interface StatShare {
  base: string;
  /** The listed paths joined by NUL, which no path holds (one string crosses threads cheaply). */
  rels: string;
  /** Int32 x 2: the next chunk to claim, chunks finished. */
  counters: SharedArrayBuffer;
  /** Float64 x 2 per path: size and mtime (statPaths). */
  stats: SharedArrayBuffer;
}

/** Stats the chunks this thread claims until none is left. */
export function statClaimed(share: StatShare, rels: readonly string[]): void {
  const counters = new Int32Array(share.counters);
  const stats = new Float64Array(share.stats);
  for (;;) {
    const from = Atomics.add(counters, 0, 1) * CHUNK;
    if (from >= rels.length) return;
    statPaths(share.base, rels, from, Math.min(from + CHUNK, rels.length), stats);
    Atomics.add(counters, 1, 1);
  }
}

/**
 * listTreeFiles on two threads when `statWorker` (dist/statWorker.js) exists and
 * the machine has two cores; else on this one. A failed worker costs nothing but
 * time: its unclaimed chunks are stat'ed here.
 */
export async function listTreeFilesParallel(
  root: string,
  statWorker?: string,
): Promise<TreeFile[]> {
  // Started first, so that it boots while this thread reads the directories.
  const worker =
    statWorker && os.availableParallelism() > 1 && fs.existsSync(statWorker)
      ? new Worker(statWorker)
      : undefined;
  const rels = treeSourcePaths(root);
  const share: StatShare = {
    base: treeBase(root),
    rels: '',
    counters: new SharedArrayBuffer(8),
    stats: new SharedArrayBuffer(16 * rels.length),
  };
  return treeFilesOf(rels, await statShared(share, rels, worker));
}

/**
 * Stats `rels` on this thread and `worker`'s (which is then ended); chunks
 * someone claimed and did not finish (a worker that died) are done again here.
 */
export async function statShared(
  share: StatShare,
  rels: readonly string[],
  worker?: Worker,
): Promise<Float64Array> {
  let finished: Promise<void> = Promise.resolve();
  if (worker) {
    finished = new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.once('error', () => resolve());
      worker.once('exit', () => resolve());
    });
    worker.postMessage({ ...share, rels: rels.join('\0') });
  }
  statClaimed(share, rels);
  const chunks = Math.ceil(rels.length / CHUNK);
  const counters = new Int32Array(share.counters);
  if (worker && Atomics.load(counters, 1) < chunks) await finished;
  void worker?.terminate();
  const stats = new Float64Array(share.stats);
  if (Atomics.load(counters, 1) < chunks) statPaths(share.base, rels, 0, rels.length, stats);
  return stats;
}
