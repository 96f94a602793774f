import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../core/analysis/analyze';
import { analyzeSourcesParallel } from './parallelAnalyze';
import { nodeParser } from './wasmFiles';

const ROOT = path.resolve(__dirname, '../..');
const FIX = path.join(ROOT, 'test-fixtures');

describe('analyzeSourcesParallel', () => {
  it('gives exactly the model of the single-threaded analysis', async () => {
    const files = [
      'designs/v4-sentinel/filecache.c',
      'primitives/balance.c',
      'primitives/atomic-sleep.c',
      'primitives/registrations.c',
      'parsing/broken.c',
    ];
    const sources = files.map((f) => ({
      path: f,
      text: fs.readFileSync(path.join(FIX, f), 'utf8'),
    }));
    const parser = await nodeParser();
    const workerScript = path.join(ROOT, 'dist/extractWorker.js');
    expect(fs.existsSync(workerScript), 'dist/extractWorker.js: run npm run build').toBe(true);
    const parallel = await analyzeSourcesParallel(sources, {
      parser,
      workerScript,
      wasmDirs: [path.join(ROOT, 'dist')],
      minParallelBytes: 0,
    });
    expect(parallel).toEqual(analyzeSources(sources, { parser }));
  });
});
