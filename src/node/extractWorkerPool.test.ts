import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../core/analysis/analyze';
import { keepExtractionWorkerWarm, leaseExtractionWorker } from './extractWorkerPool';
import { analyzeSourcesParallel } from './parallelAnalyze';
import { nodeParser } from './wasmFiles';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'dist/extractWorker.js');
const DIRS = [path.join(ROOT, 'dist')];

describe('extraction worker kept warm (a long-lived process)', () => {
  it('runs one run after another on the same worker, each with the one-thread model', async () => {
    expect(fs.existsSync(SCRIPT), 'dist/extractWorker.js: run npm run build').toBe(true);
    keepExtractionWorkerWarm();
    const parser = await nodeParser();
    const read = (files: string[]) =>
      files.map((f) => ({
        path: f,
        text: fs.readFileSync(path.join(ROOT, 'test-fixtures', f), 'utf8'),
      }));
    const runs = [
      read(['designs/v4-sentinel/filecache.c', 'primitives/balance.c', 'parsing/broken.c']),
      read(['designs/v5-inline/filecache.c', 'primitives/atomic-sleep.c']),
      read(['designs/v4-sentinel/filecache.c', 'primitives/balance.c', 'parsing/broken.c']),
    ];
    for (const sources of runs) {
      const model = await analyzeSourcesParallel(sources, {
        parser,
        workerScript: SCRIPT,
        wasmDirs: DIRS,
        minParallelBytes: 0,
      });
      expect(model).toEqual(analyzeSources(sources, { parser }));
    }
    // The last run left its worker waiting; taking it shows it is the same one.
    const lease = leaseExtractionWorker(SCRIPT, DIRS);
    expect(lease.warm).toBe(true);
    const again = lease.worker;
    lease.release(true);
    const next = leaseExtractionWorker(SCRIPT, DIRS);
    expect(next.worker).toBe(again);
    // A worker whose run went wrong is ended, never handed out again.
    next.release(false);
    const fresh = leaseExtractionWorker(SCRIPT, DIRS);
    expect(fresh.warm).toBe(false);
    expect(fresh.worker).not.toBe(again);
    fresh.release(false);
  });

  it('ends the worker of a run that failed on this thread, and says why', async () => {
    keepExtractionWorkerWarm();
    const parser = await nodeParser();
    const sources = ['primitives/balance.c', 'primitives/atomic-sleep.c'].map((f) => ({
      path: f,
      text: fs.readFileSync(path.join(ROOT, 'test-fixtures', f), 'utf8'),
    }));
    const options = { parser, workerScript: SCRIPT, wasmDirs: DIRS, minParallelBytes: 0 };
    await analyzeSourcesParallel(sources, options);
    const kept = leaseExtractionWorker(SCRIPT, DIRS);
    expect(kept.warm).toBe(true);
    const used = kept.worker;
    const ended = new Promise((resolve) => used.once('exit', resolve));
    kept.release(true);
    const failing = analyzeSourcesParallel(sources, {
      ...options,
      onProgress: () => {
        throw new Error('progress display gone');
      },
    });
    await expect(failing).rejects.toThrow('progress display gone');
    // Ended, not left running (it would keep a one-command process alive).
    await ended;
    const next = leaseExtractionWorker(SCRIPT, DIRS);
    expect(next.warm).toBe(false);
    expect(next.worker).not.toBe(used);
    next.release(false);
  });
});
