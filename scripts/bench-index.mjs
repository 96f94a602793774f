#!/usr/bin/env node
// Benchmark of the kernel-tree summary index (issue "Kernel-tree summary
// index"); every figure against its target, baselines measured in the same run:
//  (1) full index of a whole kernel tree: wall time (<= 10 min on 2 cores),
//      peak RSS (<= 2 GB), index size (<= 300 MB);
//  (2) second run with nothing changed (<= 20 s);
//  (3) after editing one file (<= 2 s);
//  (4) whole-process `analyze filecache.c` with the index (<= 250 ms) vs
//      `spatch` with a one-rule semantic patch on the same file (>= 1.2x faster);
//  (5) all of fs/nfsd whole-process with the index vs `spatch --dir` (>= 2x faster).
// Env: BENCH_INDEX_TREE (default .cache/kernel/6.12-full, fetched with
// scripts/fetch-corpus.sh --full 6.12 when missing), BENCH_INDEX_CACHE (default a
// fresh temporary directory, so (1) is a full build), BENCH_PROC_RUNS (default 5).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, warmServer } from './benchServer.mjs';
import { median, verdict } from './timing.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(root, 'dist/cli.js');
const tree = path.resolve(
  process.env.BENCH_INDEX_TREE ?? path.join(root, '.cache/kernel/6.12-full'),
);
const RUNS = Number(process.env.BENCH_PROC_RUNS ?? 5);
if (!process.env.BENCH_INDEX_TREE && !fs.existsSync(path.join(tree, '.stamp'))) {
  console.log('bench:index: fetching the whole 6.12 tree (scripts/fetch-corpus.sh --full 6.12)');
  spawnSync('bash', [path.join(root, 'scripts/fetch-corpus.sh'), '--full', '6.12'], {
    stdio: 'inherit',
  });
}
if (!fs.existsSync(path.join(tree, 'include/linux'))) {
  console.error(`bench:index: ${tree} is not a kernel tree`);
  process.exit(3);
}
const cacheDir =
  process.env.BENCH_INDEX_CACHE ?? fs.mkdtempSync(path.join(os.tmpdir(), 'll-bench-index-'));

function run(cmd, args, env = process.env) {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const ms = performance.now() - t;
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '');
  // CPU seconds (user + system, all threads): on a shared machine the wall time
  // includes waiting for a core, the CPU time does not.
  const cpu = ['User', 'System'].reduce(
    (n, k) =>
      n + Number(new RegExp(`${k} time \\(seconds\\): ([\\d.]+)`).exec(r.stderr ?? '')?.[1] ?? NaN),
    0,
  );
  const status = Number(/Exit status: (\d+)/.exec(r.stderr ?? '')?.[1] ?? r.status);
  return {
    ms,
    cpuS: cpu,
    rssMb: rss ? Number(rss[1]) / 1024 : NaN,
    status,
    stderr: r.stderr ?? '',
  };
}

function medianRun(cmd, args, runs, env = process.env) {
  run(cmd, args, env); // warm the page cache
  const all = Array.from({ length: runs }, () => run(cmd, args, env));
  return {
    ms: median(all.map((r) => r.ms)),
    rssMb: Math.max(...all.map((r) => r.rssMb)),
    last: all.at(-1),
  };
}

function du(dir) {
  let n = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else n += fs.statSync(p).size;
    }
  };
  walk(dir);
  return n;
}

/** The load average when a figure was taken (a loaded machine makes wall times longer). */
const load = () =>
  `load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
const endLine = (stderr) => stderr.split('\n').find((l) => l.includes(': end:')) ?? '';
const index = () => run(process.execPath, [cli, 'index', tree, '--cache-dir', cacheDir]);
console.log(
  `bench:index: tree ${tree}, cache ${cacheDir}, ${os.availableParallelism?.() ?? os.cpus().length} cores`,
);

// (1) full index (BENCH_INDEX_SKIP_FULL=1 with BENCH_INDEX_CACHE: reuse an index built before)
const skipFull = !!process.env.BENCH_INDEX_SKIP_FULL && !!process.env.BENCH_INDEX_CACHE;
const full = skipFull ? undefined : index();
// The index alone: the cache directory also holds the facts and code caches of the runs below.
const size = fs
  .readdirSync(cacheDir)
  .filter((e) => e.startsWith('index-v'))
  .reduce((n, e) => n + du(path.join(cacheDir, e)), 0);
const sizeText = `${(size / 1048576).toFixed(1)} MiB (${(size / 1e6).toFixed(1)} MB)`;
if (!full) console.log(`\n(1) full index: skipped, index of ${sizeText} reused`);
else
  console.log(
    `\n(1) full index\n    ${endLine(full.stderr)}\n` +
      `    wall ${(full.ms / 1000).toFixed(1)} s (target <= 600 s): ${verdict(full.ms <= 600_000)}; CPU ${full.cpuS.toFixed(0)} s\n` +
      `    peak RSS ${full.rssMb.toFixed(0)} MiB (${((full.rssMb * 1048576) / 1e9).toFixed(2)} GB; target <= 2 GB): ${verdict(full.rssMb * 1048576 <= 2e9)}\n` +
      `    index ${sizeText} (target <= 300 MB): ${verdict(size <= 300e6)}; ${load()}`,
  );
if (full && full.status !== 0)
  console.log(`    (exit status ${full.status})\n${full.stderr.slice(-2000)}`);

// (2) nothing changed
const again = index();
console.log(
  `\n(2) second run, nothing changed\n    ${endLine(again.stderr)}\n` +
    `    wall ${(again.ms / 1000).toFixed(2)} s (target <= 20 s): ${verdict(again.ms <= 20_000)}; CPU ${again.cpuS.toFixed(2)} s, peak RSS ${again.rssMb.toFixed(0)} MiB; ${load()}`,
);

// (3) one file edited, then restored with its mtime: (a) a comment appended (no
// summary changes: early cutoff), (b) a line inserted at the top (every function of
// the file moves: its summaries change and the closure is updated for its cone).
const edited = path.join(tree, 'fs/nfsd/filecache.c');
const original = fs.readFileSync(edited);
const st = fs.statSync(edited);
for (const [label, text] of [
  ['a comment appended', Buffer.concat([original, Buffer.from('\n/* bench-index edit */\n')])],
  ['a line inserted at the top', Buffer.concat([Buffer.from('\n'), original])],
]) {
  let one;
  try {
    fs.writeFileSync(edited, text);
    one = index();
  } finally {
    fs.writeFileSync(edited, original);
    fs.utimesSync(edited, st.atime, st.mtime);
  }
  console.log(
    `\n(3) after editing fs/nfsd/filecache.c (${label})\n    ${endLine(one.stderr)}\n` +
      `    wall ${(one.ms / 1000).toFixed(2)} s (target <= 2 s): ${verdict(one.ms <= 2000)}; CPU ${one.cpuS.toFixed(2)} s, peak RSS ${one.rssMb.toFixed(0)} MiB; ${load()}`,
  );
  index(); // back to the unedited file
}

// (4) analyze filecache.c with the index vs spatch, same run
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'll-bench-'));
const rule = path.join(tmp, 'final-put.cocci');
fs.writeFileSync(rule, '@@\nexpression E;\n@@\n* refcount_dec_and_test(E)\n');
const spatch = spawnSync('spatch', ['--version'], { encoding: 'utf8' });
/** spatch with the one rule on a file, or (`dir`) on a directory with --dir. */
const spatchRun = (target, dir) =>
  medianRun(
    'spatch',
    ['--very-quiet', '--sp-file', rule, ...(dir ? ['--dir'] : []), target],
    dir ? Math.min(RUNS, 3) : RUNS,
  );
const analyze = (target) =>
  medianRun(
    process.execPath,
    [cli, 'analyze', target, '--json', '-q', '--cache-dir', cacheDir],
    RUNS,
  );
// medianRun's untimed first run keeps the file's facts: the timed runs read them back.
const ours = analyze(edited);
const fresh = medianRun(
  process.execPath,
  [cli, 'analyze', edited, '--json', '-q', '--cache-dir', cacheDir, '--no-facts-cache'],
  RUNS,
);
// The same, handed to a running command server (`lifecycle-lens server start`).
const server = startServer(cli);
const served = medianRun(
  process.execPath,
  [cli, 'analyze', edited, '--json', '-q', '--cache-dir', cacheDir],
  RUNS,
  server.env,
);
const servedFresh = medianRun(
  process.execPath,
  [cli, 'analyze', edited, '--json', '-q', '--cache-dir', cacheDir, '--no-facts-cache'],
  RUNS,
  server.env,
);
console.log(
  `\n(4) whole process, median of ${RUNS}\n` +
    `    analyze filecache.c --json with the index, its facts read back: ${ours.ms.toFixed(0)} ms (target <= 250 ms): ${verdict(ours.ms <= 250)}\n` +
    `    the same, file edited since (--no-facts-cache): ${fresh.ms.toFixed(0)} ms (target <= 250 ms): ${verdict(fresh.ms <= 250)}\n` +
    `    with a command server running: facts read back ${served.ms.toFixed(0)} ms, file edited since ${servedFresh.ms.toFixed(0)} ms`,
);
if (spatch.error) console.log('    spatch not installed (Debian package coccinelle): not measured');
else {
  const theirs = spatchRun(edited, false);
  const x = theirs.ms / ours.ms;
  const xFresh = theirs.ms / fresh.ms;
  console.log(
    `    spatch --sp-file final-put.cocci filecache.c: ${theirs.ms.toFixed(0)} ms (${spatch.stdout.split('\n')[0]})\n` +
      `    ours is ${x.toFixed(2)}x faster (target >= 1.2x): ${verdict(x >= 1.2)}; file edited since: ${xFresh.toFixed(2)}x: ${verdict(xFresh >= 1.2)}\n` +
      `    with a command server: ${(theirs.ms / served.ms).toFixed(2)}x (${verdict(theirs.ms / served.ms >= 1.2)}); file edited since: ${(theirs.ms / servedFresh.ms).toFixed(2)}x (${verdict(theirs.ms / servedFresh.ms >= 1.2)})`,
  );
}

// (5) all of fs/nfsd with the index vs spatch --dir, same run
const nfsd = path.join(tree, 'fs/nfsd');
const nfsdArgs = [cli, 'analyze', nfsd, '--json', '-q', '--cache-dir', cacheDir];
const all = medianRun(process.execPath, nfsdArgs, Math.min(RUNS, 3));
const allFresh = medianRun(process.execPath, [...nfsdArgs, '--no-facts-cache'], Math.min(RUNS, 3));
const servedAll = medianRun(process.execPath, nfsdArgs, Math.min(RUNS, 3), server.env);
const servedAllFresh = medianRun(
  process.execPath,
  [...nfsdArgs, '--no-facts-cache'],
  Math.min(RUNS, 3),
  server.env,
);
// The same server after some use (the rows above are its first commands).
const WARM_ROUNDS = 10;
const editedFreshArgs = [
  cli,
  'analyze',
  edited,
  '--json',
  '-q',
  '--cache-dir',
  cacheDir,
  '--no-facts-cache',
];
const warmCommands = [
  [process.execPath, editedFreshArgs, server.env],
  [process.execPath, [...nfsdArgs, '--no-facts-cache'], server.env],
];
warmServer(warmCommands, WARM_ROUNDS);
const [warmFile, warmDir] = warmCommands.map(([cmd, args, env], k) =>
  medianRun(cmd, args, k ? Math.min(RUNS, 3) : RUNS, env),
);
server.stop();
console.log(
  `\n(5) fs/nfsd whole process, median of ${Math.min(RUNS, 3)}\n` +
    `    ours, facts read back: ${all.ms.toFixed(0)} ms, peak RSS ${all.rssMb.toFixed(0)} MiB\n` +
    `    ours, every file extracted (--no-facts-cache): ${allFresh.ms.toFixed(0)} ms, peak RSS ${allFresh.rssMb.toFixed(0)} MiB\n` +
    `    with a command server running: facts read back ${servedAll.ms.toFixed(0)} ms, every file extracted ${servedAllFresh.ms.toFixed(0)} ms`,
);
if (!spatch.error) {
  const theirs = spatchRun(nfsd, true);
  const x = theirs.ms / all.ms;
  const xFresh = theirs.ms / allFresh.ms;
  console.log(
    `    spatch --dir fs/nfsd: ${theirs.ms.toFixed(0)} ms\n` +
      `    ours is ${x.toFixed(2)}x faster (target >= 2x): ${verdict(x >= 2)}; every file extracted: ${xFresh.toFixed(2)}x: ${verdict(xFresh >= 2)}\n` +
      `    with a command server: ${(theirs.ms / servedAll.ms).toFixed(2)}x (${verdict(theirs.ms / servedAll.ms >= 2)}); every file extracted: ${(theirs.ms / servedAllFresh.ms).toFixed(2)}x (${verdict(theirs.ms / servedAllFresh.ms >= 2)})`,
  );
}
if (!spatch.error) {
  const file = spatchRun(edited, false);
  const dir = spatchRun(nfsd, true);
  const xFile = file.ms / warmFile.ms;
  const xDir = dir.ms / warmDir.ms;
  console.log(
    `\n(4, 5) with the command server after ${WARM_ROUNDS} commands of each kind (its compilers and extraction worker warm)\n` +
      `    filecache.c edited since: ${warmFile.ms.toFixed(0)} ms vs spatch ${file.ms.toFixed(0)} ms: ${xFile.toFixed(2)}x (target >= 1.2x): ${verdict(xFile >= 1.2)}\n` +
      `    fs/nfsd, every file extracted: ${warmDir.ms.toFixed(0)} ms vs spatch --dir ${dir.ms.toFixed(0)} ms: ${xDir.toFixed(2)}x (target >= 2x): ${verdict(xDir >= 2)}`,
  );
}
fs.rmSync(tmp, { recursive: true, force: true });
if (!process.env.BENCH_INDEX_CACHE) fs.rmSync(cacheDir, { recursive: true, force: true });
