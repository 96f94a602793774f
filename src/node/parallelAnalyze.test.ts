import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../core/analysis/analyze';
import { factsCacheKey, factsEntry, type FactsCacheUse } from './factsCache';
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

  it('reads unchanged files back from the facts cache, with the same model', async () => {
    const files = [
      'designs/v4-sentinel/filecache.c',
      'primitives/balance.c',
      'primitives/registrations.c',
      'parsing/broken.c',
      'parsing/binary.c',
    ];
    const sources = files.map((f) => ({
      path: f,
      text: fs.existsSync(path.join(FIX, f))
        ? fs.readFileSync(path.join(FIX, f), 'utf8')
        : 'int x;\0\0\0\u0001\u0002\u0003'.repeat(20),
    }));
    const parser = await nodeParser();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-parallel-facts-'));
    try {
      const key = factsCacheKey(dir, 'build', 'catalog');
      const run = async (srcs: typeof sources) => {
        const use: FactsCacheUse = { read: 0, written: 0, refused: 0 };
        const model = await analyzeSourcesParallel(srcs, {
          parser,
          workerScript: path.join(ROOT, 'dist/extractWorker.js'),
          wasmDirs: [path.join(ROOT, 'dist')],
          minParallelBytes: 0,
          factsCache: { key, use },
        });
        return { model, use };
      };
      const expected = analyzeSources(sources, { parser });
      // Both threads keep what they extracted; the binary file has no facts to keep.
      const first = await run(sources);
      expect(first.model).toEqual(expected);
      expect(first.use).toEqual({ read: 0, written: 4, refused: 0 });
      expect(fs.readdirSync(key.dir).filter((n) => n.endsWith('.bin'))).toHaveLength(4);
      const second = await run(sources);
      expect(second.model).toEqual(expected);
      expect(second.use).toEqual({ read: 4, written: 0, refused: 0 });
      // One file edited: only it is extracted; a damaged entry is extracted again.
      const edited = sources.map((s, i) =>
        i === 1 ? { ...s, text: `${s.text}\n/* edit */\n` } : s,
      );
      const damaged = path.join(
        key.dir,
        `${factsEntry(key, sources[0].path, sources[0].text)}.bin`,
      );
      fs.writeFileSync(damaged, fs.readFileSync(damaged).subarray(0, 40));
      const third = await run(edited);
      expect(third.model).toEqual(analyzeSources(edited, { parser }));
      expect(third.use).toEqual({ read: 2, written: 2, refused: 1 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
