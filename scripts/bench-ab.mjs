#!/usr/bin/env node
// In-process A/B of two builds: both bundles loaded in one process, each
// analysing 6.12 filecache.c and parsing it bare, in turns, so that the
// machine's phase (these machines run up to twice as slow for minutes at a
// time) slows both alike. Prints each build's steady-state medians and its
// analysis / parse ratio (bench.mjs (a)'s target: <= 2x).
//
//   node scripts/bench-ab.mjs <distA> <distB>     (e.g. a worktree's dist and ./dist)
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { median } from './timing.mjs';

const WARMUP = 80;
const RUNS = 60;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dists = process.argv.slice(2).map((d) => path.resolve(d));
if (dists.length !== 2 || !dists.every((d) => fs.existsSync(path.join(d, 'api.js')))) {
  console.error(
    'usage: node scripts/bench-ab.mjs <distA> <distB> (each a built dist/ with api.js)',
  );
  process.exit(2);
}
const file = path.join(root, '.cache/kernel/6.12/fs/nfsd/filecache.c');
if (!fs.existsSync(file)) {
  console.error(`bench-ab: ${path.relative(root, file)} is missing (npm run corpus)`);
  process.exit(3);
}
const text = fs.readFileSync(file, 'utf8');
const require = createRequire(import.meta.url);
const apis = dists.map((d) => require(path.join(d, 'api.js')));
const parsers = await Promise.all(apis.map((api, k) => api.nodeParser([dists[k]])));
const times = dists.map(() => ({ parse: [], analyze: [] }));
for (let i = 0; i < WARMUP + RUNS; i++)
  apis.forEach((api, k) => {
    let t = performance.now();
    parsers[k].parse(text).delete();
    const parse = performance.now() - t;
    t = performance.now();
    api.analyzeSources([{ path: file, text }], { parser: parsers[k] });
    const analyze = performance.now() - t;
    if (i >= WARMUP) {
      times[k].parse.push(parse);
      times[k].analyze.push(analyze);
    }
  });
console.log(`bench-ab: 6.12 filecache.c, median of ${RUNS} rounds in turns after ${WARMUP}`);
dists.forEach((d, k) => {
  const parse = median(times[k].parse);
  const analyze = median(times[k].analyze);
  console.log(
    `  ${d}: parse ${parse.toFixed(2)} ms, analyzeSources() ${analyze.toFixed(2)} ms, ratio ${(analyze / parse).toFixed(2)}x`,
  );
});
