// Revision-comparison benchmarks (`npm run bench:compare`), figures printed:
//  (a) comparing two filecache.c revisions in process vs one analysis of one of
//      them, measured in the same run (target: at most 3x);
//  (b) a base plus two versions of a five-patch series (test-fixtures/series),
//      applied and compared, whole process (target: at most 5 s).
// Uses the kernel corpus for (a) when present (6.1 vs 6.12), else the fixtures.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { median, timeIt, verdict } from './timing.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(import.meta.url);
const api = require(path.join(root, 'dist/api.js'));

const cache = path.join(root, '.cache/kernel');
const real = ['6.1', '6.12'].every((s) =>
  fs.existsSync(path.join(cache, s, 'fs/nfsd/filecache.c')),
);
const [a, b] = real
  ? ['6.1', '6.12'].map((s) => path.join(cache, s, 'fs/nfsd/filecache.c'))
  : ['v5-inline', 'v6-deferred'].map((d) =>
      path.join(root, 'test-fixtures/designs', d, 'filecache.c'),
    );
const src = (p) => [{ path: 'filecache.c', text: fs.readFileSync(p, 'utf8') }];

const parser = await api.nodeParser([path.join(root, 'dist')]);
const analyse = () => api.analyzeSources(src(b), { parser });
const compare = () =>
  api.compareTexts({ label: 'A', sources: src(a) }, { label: 'B', sources: src(b) }, { parser });
console.log(
  `bench-compare: node ${process.version}; ${real ? '6.1 vs 6.12 filecache.c' : 'fixture designs v5 vs v6'}`,
);
const tA = timeIt(analyse, 15);
const tC = timeIt(compare, 15);
console.log(`(a) one analysis ${tA.toFixed(1)} ms; comparing two revisions ${tC.toFixed(1)} ms`);
console.log(`    ratio ${(tC / tA).toFixed(2)}x (target <= 3x): ${verdict(tC / tA <= 3)}`);

const runs = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [
    path.join(root, 'dist/cli.js'),
    'series',
    '-q',
    '--base',
    path.join(root, 'test-fixtures/series/base'),
    path.join(root, 'test-fixtures/series/v1.mbox'),
    path.join(root, 'test-fixtures/series/v2.mbox'),
  ]);
  if (r.status !== 0) throw new Error(`series failed: ${r.stderr}`);
  runs.push(performance.now() - t);
}
const tS = median(runs);
console.log(
  `(b) base + v1 + v2 of a five-patch series, applied and compared, whole process: ${(tS / 1000).toFixed(2)} s`,
);
console.log(`    target <= 5 s: ${verdict(tS <= 5000)}`);
