// C names that are Object.prototype's (constructor, toString, __proto__, ...)
// through the whole pipeline: extraction, the worker thread, the facts cache.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSources, extractSources } from '../core/analysis/analyze';
import { builtinCatalogIndex } from '../core/catalog/catalog';
import { factsCacheKey } from './factsCache';
import { analyzeSourcesParallel } from './parallelAnalyze';
import { nodeParser } from './wasmFiles';

const ROOT = path.resolve(__dirname, '../..');
const FILE = 'parsing/prototype-names.c';
const TEXT = fs.readFileSync(path.join(ROOT, 'test-fixtures', FILE), 'utf8');
const HOSTILE = ['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty'];
/** Each name as an ordinary one of the same length (columns stay put), or back. */
const ordinaryName = (name: string, i: number) => `q${i}`.padEnd(name.length, 'x');
const rename = (text: string, back = false) =>
  HOSTILE.reduce((t, name, i) => {
    const [from, to] = back ? [ordinaryName(name, i), name] : [name, ordinaryName(name, i)];
    return t.replace(new RegExp(`\\b${from}\\b`, 'g'), to);
  }, text);

describe('C names that are JavaScript prototype members', () => {
  it('give the model the same code with ordinary names gives, on one thread and two', async () => {
    const parser = await nodeParser();
    const sources = [{ path: FILE, text: TEXT }];
    const { files } = extractSources(sources, { parser, catalog: builtinCatalogIndex() });
    // Facts hold only data: the worker thread can be handed them.
    expect(() => structuredClone(files)).not.toThrow();
    const model = analyzeSources(sources, { parser });
    const ordinary = analyzeSources([{ path: FILE, text: rename(TEXT) }], { parser });
    expect(JSON.parse(rename(JSON.stringify(ordinary), true))).toEqual(model);
    expect(model.findings.map((f) => [f.kind, f.function, f.at.line, f.confidence])).toEqual([
      ['ref-leak', 'hasOwnProperty', 48, 'guess'],
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-prototype-names-'));
    try {
      // The worker takes the file (minParallelBytes 0; it is the only one, the main
      // thread may take it first: run twice, the second read back from the cache).
      for (let i = 0; i < 2; i++) {
        const parallel = await analyzeSourcesParallel(
          [...sources, { path: 'other.c', text: 'int other(void) { return 0; }\n' }],
          {
            parser,
            workerScript: path.join(ROOT, 'dist/extractWorker.js'),
            wasmDirs: [path.join(ROOT, 'dist')],
            minParallelBytes: 0,
            factsCache: { key: factsCacheKey(dir, 'build', 'catalog') },
          },
        );
        expect(parallel.findings).toEqual(model.findings);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
