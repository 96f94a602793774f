// Benchmarks (`npm run bench`): figures printed, not timed tests. Every ratio
// is against a baseline measured in the same run on the same machine.
// Targets are issue 11's ("Kernel-tree summary index"):
//  (a) in-process analysis of 6.12 fs/nfsd/filecache.c vs the bare tree-sitter
//      parse of the same text (target: at most 2x, in the steady state; the
//      figure just after start-up is printed beside it);
//  (b) whole-process `node dist/cli.js analyze filecache.c` vs `spatch` with a
//      one-rule semantic patch over the same file (target, with the tree index
//      present: <= 250 ms and at least 1.2x faster than spatch);
//  (c) all of 6.12 fs/nfsd whole-process vs `spatch --dir` with the same rule
//      (target: ours at least 2x faster), with our peak RSS;
//  (d) extraction throughput (mask, parse, copy, facts) in MB of source per
//      CPU-second over all of 6.12 fs/ in the corpus, and what that rate means
//      for the whole Debian 6.12 tree (870 MB) on 2 cores (target: index <= 10 min).
// Fetches the corpus first (scripts/fetch-corpus.sh) when it is missing.
// Env: BENCH_RUNS (in-process runs, default 15), BENCH_STEADY_WARMUP and BENCH_STEADY_RUNS
// (in-process steady state: rounds before, default 60, and measured, default 40), BENCH_PROC_RUNS (whole-process runs, default 5),
// BENCH_SKIP_THROUGHPUT=1 (leave out (d)). Compared commands run in turns, so load changes hit both.
import { spawnSync } from 'node:child_process';
import { startServer, warmServer } from './benchServer.mjs';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { ensureCorpus } from './corpus.mjs';
import { median, verdict } from './timing.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cache = process.env.LL_CACHE ?? path.join(root, '.cache/kernel');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const PROC_RUNS = Number(process.env.BENCH_PROC_RUNS ?? 5);
const WARMUP = 3;
// The in-process steady state: rounds before it is measured, and rounds measured.
const STEADY_WARMUP = Number(process.env.BENCH_STEADY_WARMUP ?? 60);
const STEADY_RUNS = Number(process.env.BENCH_STEADY_RUNS ?? 40);

/** Wall time of a whole process (ms) and its peak RSS (MB, from /usr/bin/time -v when present). */
function runProcess(cmd, args, env) {
  const haveTime = fs.existsSync('/usr/bin/time');
  const t = performance.now();
  const r = haveTime
    ? spawnSync('/usr/bin/time', ['-v', cmd, ...args], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
        env,
      })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, env });
  const ms = performance.now() - t;
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '');
  const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr ?? '');
  const sys = /System time \(seconds\): ([\d.]+)/.exec(r.stderr ?? '');
  // CPU time of the process (all its threads): less sensitive than wall time to a busy machine.
  const cpuMs = user && sys ? (Number(user[1]) + Number(sys[1])) * 1000 : NaN;
  const exit = haveTime
    ? Number(/Exit status: (\d+)/.exec(r.stderr ?? '')?.[1] ?? r.status)
    : r.status;
  return { ms, cpuMs, rssMb: m ? Number(m[1]) / 1024 : NaN, status: exit, stderr: r.stderr };
}

/**
 * Median wall time, median CPU time and peak RSS of each command, run in turns
 * (a, b, a, b, ...) after one warm-up run each, so that a machine whose load
 * changes during the benchmark slows every command alike.
 */
function medianProcesses(commands, runs) {
  // Warms the page cache (and writes the CLI's code cache when the build is new).
  for (const [cmd, args, env] of commands) runProcess(cmd, args, env);
  const all = commands.map(() => []);
  for (let i = 0; i < runs; i++)
    commands.forEach(([cmd, args, env], k) => all[k].push(runProcess(cmd, args, env)));
  return all.map((rs) => ({
    ms: median(rs.map((r) => r.ms)),
    cpuMs: median(rs.map((r) => r.cpuMs)),
    rssMb: Math.max(...rs.map((r) => r.rssMb)),
    last: rs.at(-1),
  }));
}

/** Median wall time of each function, called in turns after `warmup` rounds. */
function timeInTurns(fns, runs, warmup) {
  const ms = fns.map(() => []);
  for (let i = 0; i < warmup + runs; i++)
    fns.forEach((fn, k) => {
      const t = performance.now();
      fn();
      if (i >= warmup) ms[k].push(performance.now() - t);
    });
  return ms.map(median);
}

async function main() {
  ensureCorpus(['6.12']);
  const api = createRequire(import.meta.url)(path.join(root, 'dist/api.js'));
  const cli = path.join(root, 'dist/cli.js');
  const nfsdDir = path.join(cache, '6.12/fs/nfsd');
  const file = path.join(nfsdDir, 'filecache.c');
  const text = fs.readFileSync(file, 'utf8');
  console.log(
    `bench: node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}; ` +
      `file ${path.relative(root, file)} (${(text.length / 1024).toFixed(0)} KiB)`,
  );

  // (a) in-process: analyse vs bare parse, same parser instance, same text, in
  // turns (parse, analyse, parse, ...) so that a load change hits both alike.
  // Twice: just after start-up (a few warm-up rounds: V8 still interprets most
  // of the analysis) and in the steady state of a long-lived host such as the
  // editor's, which analyses on every edit (after STEADY_WARMUP rounds, when V8
  // has optimised the hot code). The target is judged on the steady state.
  const parser = await api.nodeParser([path.join(root, 'dist')]);
  const inTurns = (runs, warmup) =>
    timeInTurns(
      [
        () => parser.parse(text).delete(),
        () => api.analyzeSources([{ path: file, text }], { parser }),
      ],
      runs,
      warmup,
    );
  const [earlyParseMs, earlyAnalyzeMs] = inTurns(RUNS, WARMUP);
  const [parseMs, analyzeMs] = inTurns(STEADY_RUNS, STEADY_WARMUP);
  const ratioA = analyzeMs / parseMs;
  console.log(
    `\n(a) in-process (load average ${os.loadavg()[0].toFixed(1)})\n` +
      `    after ${WARMUP} warm-up rounds, median of ${RUNS} in turns: ` +
      `parse ${earlyParseMs.toFixed(2)} ms, analyzeSources() ${earlyAnalyzeMs.toFixed(2)} ms, ratio ${(earlyAnalyzeMs / earlyParseMs).toFixed(2)}x\n` +
      `    steady state (after ${WARMUP + RUNS + STEADY_WARMUP} rounds), median of ${STEADY_RUNS} in turns:\n` +
      `    bare tree-sitter parse:   ${parseMs.toFixed(2)} ms\n` +
      `    analyzeSources():         ${analyzeMs.toFixed(2)} ms\n` +
      `    ratio ${ratioA.toFixed(2)}x (target <= 2x): ${verdict(ratioA <= 2)}`,
  );

  // (b) whole process: our CLI vs spatch with one rule, same file.
  let spatch = spawnSync('spatch', ['--version'], { encoding: 'utf8' });
  if (spatch.error) {
    console.log('\nbench: spatch not found; installing Debian package coccinelle');
    const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
    spawnSync(
      sudo[0] ?? 'apt-get',
      [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), 'install', '-y', '-q', 'coccinelle'],
      {
        stdio: 'inherit',
      },
    );
    spatch = spawnSync('spatch', ['--version'], { encoding: 'utf8' });
  }
  // The targets are for a run with the kernel tree's index present: build it when missing.
  const tree = api.findKernelTree(file);
  const indexed = () =>
    api.summariesFor([file], {}, new api.CatalogIndex(), parser).how.startsWith('index of');
  if (tree && !indexed()) {
    console.log(`\nbench: building the index of ${path.relative(root, tree)} (once)`);
    spawnSync(process.execPath, [cli, 'index', tree], { stdio: 'inherit' });
  }
  const withIndex = tree !== undefined && indexed();
  // One rule: report every refcount_dec_and_test() call (context mode, no transformation).
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'll-bench-'));
  const rule = path.join(tmp, 'final-put.cocci');
  fs.writeFileSync(rule, '@@\nexpression E;\n@@\n* refcount_dec_and_test(E)\n');
  // Warm: the file's facts read back from the facts cache (its text unchanged since
  // medianProcesses' untimed first run). Fresh: extracted again, as after an edit.
  const oursCmd = [process.execPath, [cli, 'analyze', file, '--json', '-q']];
  const freshCmd = [process.execPath, [...oursCmd[1], '--no-facts-cache']];
  // Without the CLI's code cache (src/node/codeCache.ts) either: a first run after a new build.
  const noCacheCmd = [...freshCmd, { ...process.env, LIFECYCLE_LENS_NO_CODE_CACHE: '1' }];
  const spatchCmd = ['spatch', ['--very-quiet', '--sp-file', rule, file]];
  // The same commands handed to a running command server (`lifecycle-lens server start`).
  const server = startServer(cli);
  const servedCmd = [...oursCmd, server.env];
  const servedFreshCmd = [...freshCmd, server.env];
  const [ours, fresh, noCache, served, servedFresh, theirs] = medianProcesses(
    [
      oursCmd,
      freshCmd,
      noCacheCmd,
      servedCmd,
      servedFreshCmd,
      ...(spatch.error ? [] : [spatchCmd]),
    ],
    PROC_RUNS,
  );
  if (ours.last.status !== 0) console.log(`    (cli exit status ${ours.last.status})`);
  console.log(
    `\n(b) whole process, median of ${PROC_RUNS} in turns with spatch (${withIndex ? 'with' : 'WITHOUT'} the kernel tree's index; load average ${os.loadavg()[0].toFixed(1)})\n` +
      `    node dist/cli.js analyze filecache.c --json, its facts read back (file unchanged since an earlier run):\n` +
      `                                                ${ours.ms.toFixed(0)} ms, ${ours.cpuMs.toFixed(0)} ms CPU (target <= 250 ms): ${verdict(ours.ms <= 250)}\n` +
      `    the same, file edited since (--no-facts-cache): ${fresh.ms.toFixed(0)} ms, ${fresh.cpuMs.toFixed(0)} ms CPU (target <= 250 ms): ${verdict(fresh.ms <= 250)}\n` +
      `    ... and without the code cache:             ${noCache.ms.toFixed(0)} ms, ${noCache.cpuMs.toFixed(0)} ms CPU\n` +
      `    with a command server running (the client's CPU only):\n` +
      `      facts read back ${served.ms.toFixed(0)} ms (${served.cpuMs.toFixed(0)} ms CPU): ${verdict(served.ms <= 250)}; ` +
      `file edited since ${servedFresh.ms.toFixed(0)} ms (${servedFresh.cpuMs.toFixed(0)} ms CPU): ${verdict(servedFresh.ms <= 250)}`,
  );
  if (process.env.NODE_EXTRA_CA_CERTS) {
    // Node reads these certificates at every start, before any of our code runs.
    const bare = [process.execPath, ['-e', '0']];
    const { NODE_EXTRA_CA_CERTS: _, ...without } = process.env;
    const [withCerts, withoutCerts] = medianProcesses([bare, [...bare, without]], PROC_RUNS);
    console.log(
      `    of which Node's own start (node -e 0): ${withCerts.ms.toFixed(0)} ms with NODE_EXTRA_CA_CERTS as set here, ` +
        `${withoutCerts.ms.toFixed(0)} ms without it`,
    );
  }
  if (!theirs)
    console.log('    spatch unavailable (apt-get install coccinelle failed): MISS (not measured)');
  else {
    const speedup = theirs.ms / ours.ms;
    const freshSpeedup = theirs.ms / fresh.ms;
    console.log(
      `    spatch --sp-file final-put.cocci filecache.c:  ${theirs.ms.toFixed(0)} ms, ${theirs.cpuMs.toFixed(0)} ms CPU  (${spatch.stdout.split('\n')[0]})\n` +
        `    ours is ${speedup.toFixed(2)}x faster (target >= 1.2x): ${verdict(speedup >= 1.2)}; in CPU time ${(theirs.cpuMs / ours.cpuMs).toFixed(2)}x\n` +
        `    file edited since: ${freshSpeedup.toFixed(2)}x (target >= 1.2x): ${verdict(freshSpeedup >= 1.2)}\n` +
        `    with a command server: ${(theirs.ms / served.ms).toFixed(2)}x (${verdict(theirs.ms / served.ms >= 1.2)}), ` +
        `file edited since ${(theirs.ms / servedFresh.ms).toFixed(2)}x (${verdict(theirs.ms / servedFresh.ms >= 1.2)})`,
    );
  }

  // (c) all of fs/nfsd, whole process, against spatch --dir with the same rule.
  const bytes = fs
    .readdirSync(nfsdDir)
    .filter((n) => /\.[ch]$/.test(n))
    .reduce((s, n) => s + fs.statSync(path.join(nfsdDir, n)).size, 0);
  const dirRuns = Math.min(PROC_RUNS, 3);
  const dirCmd = [process.execPath, [cli, 'analyze', nfsdDir, '--json', '-q']];
  const dirFreshCmd = [process.execPath, [...dirCmd[1], '--no-facts-cache']];
  const spatchDirCmd = ['spatch', ['--very-quiet', '--sp-file', rule, '--dir', nfsdDir]];
  const [all, allFresh, servedAll, servedAllFresh, theirsDir] = medianProcesses(
    [
      dirCmd,
      dirFreshCmd,
      [...dirCmd, server.env],
      [...dirFreshCmd, server.env],
      ...(spatch.error ? [] : [spatchDirCmd]),
    ],
    dirRuns,
  );
  // The same server after some use: the rows above are its first commands.
  const warmRounds = 10;
  const servedFreshDir = [...dirFreshCmd, server.env];
  warmServer([servedFreshCmd, servedFreshDir], warmRounds);
  const [warmFile, warmDir, theirsFile, theirsDirWarm] = spatch.error
    ? []
    : medianProcesses([servedFreshCmd, servedFreshDir, spatchCmd, spatchDirCmd], PROC_RUNS);
  server.stop();
  if (all.last.status !== 0) console.log(`    (cli exit status ${all.last.status})`);
  console.log(
    `\n(c) 6.12 fs/nfsd (${(bytes / 1048576).toFixed(2)} MB), whole process, median of ${dirRuns} in turns with spatch (load average ${os.loadavg()[0].toFixed(1)})\n` +
      `    node dist/cli.js analyze fs/nfsd --json, facts read back (files unchanged since an earlier run):\n` +
      `                                                ${(all.ms / 1000).toFixed(2)} s, ${(all.cpuMs / 1000).toFixed(2)} s CPU, peak RSS ${all.rssMb.toFixed(0)} MB\n` +
      `    every file extracted (--no-facts-cache):    ${(allFresh.ms / 1000).toFixed(2)} s, ${(allFresh.cpuMs / 1000).toFixed(2)} s CPU, peak RSS ${allFresh.rssMb.toFixed(0)} MB\n` +
      `    with a command server running: facts read back ${(servedAll.ms / 1000).toFixed(2)} s, every file extracted ${(servedAllFresh.ms / 1000).toFixed(2)} s`,
  );
  if (!theirsDir) console.log('    spatch unavailable: MISS (not measured)');
  else {
    const speedup = theirsDir.ms / all.ms;
    const freshSpeedup = theirsDir.ms / allFresh.ms;
    console.log(
      `    spatch --sp-file final-put.cocci --dir fs/nfsd: ${(theirsDir.ms / 1000).toFixed(2)} s, ${(theirsDir.cpuMs / 1000).toFixed(2)} s CPU\n` +
        `    ours is ${speedup.toFixed(2)}x faster (target >= 2x): ${verdict(speedup >= 2)}; in CPU time ${(theirsDir.cpuMs / all.cpuMs).toFixed(2)}x\n` +
        `    every file extracted: ${freshSpeedup.toFixed(2)}x (target >= 2x): ${verdict(freshSpeedup >= 2)}\n` +
        `    with a command server: ${(theirsDir.ms / servedAll.ms).toFixed(2)}x (${verdict(theirsDir.ms / servedAll.ms >= 2)}), ` +
        `every file extracted ${(theirsDir.ms / servedAllFresh.ms).toFixed(2)}x (${verdict(theirsDir.ms / servedAllFresh.ms >= 2)})`,
    );
  }
  if (warmFile) {
    const file = theirsFile.ms / warmFile.ms;
    const dir = theirsDirWarm.ms / warmDir.ms;
    console.log(
      `\n(b, c) with the command server after ${warmRounds} commands of each kind (its compilers and extraction worker warm), median of ${PROC_RUNS} in turns with spatch (load average ${os.loadavg()[0].toFixed(1)})\n` +
        `    filecache.c edited since: ${warmFile.ms.toFixed(0)} ms vs spatch ${theirsFile.ms.toFixed(0)} ms: ${file.toFixed(2)}x (target >= 1.2x): ${verdict(file >= 1.2)}\n` +
        `    fs/nfsd, every file extracted: ${(warmDir.ms / 1000).toFixed(2)} s vs spatch --dir ${(theirsDirWarm.ms / 1000).toFixed(2)} s: ${dir.toFixed(2)}x (target >= 2x): ${verdict(dir >= 2)}`,
    );
  }
  fs.rmSync(tmp, { recursive: true, force: true });

  if (process.env.BENCH_SKIP_THROUGHPUT) return;
  // (d) extraction throughput over all of 6.12 fs/ (in-process, warm runtime,
  // one thread): MB of source per CPU-second.
  const fsDir = path.join(cache, '6.12/fs');
  const sources = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.[ch]$/.test(e.name)) sources.push({ path: p, text: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(fsDir);
  const fsBytes = sources.reduce((s, f) => s + Buffer.byteLength(f.text), 0);
  const catalog = new api.CatalogIndex();
  api.extractSources(sources.slice(0, 20), { parser, catalog }); // warm-up
  const cpu0 = process.cpuUsage();
  api.extractSources(sources, { parser, catalog });
  const used = process.cpuUsage(cpu0);
  const cpuS = (used.user + used.system) / 1e6;
  const rate = fsBytes / 1048576 / cpuS;
  const wholeMin = 870 / rate / 2 / 60;
  console.log(
    `\n(d) extraction (mask, parse, copy, facts) of 6.12 fs/ (${sources.length} files, ${(fsBytes / 1048576).toFixed(1)} MB), one thread\n` +
      `    ${cpuS.toFixed(2)} CPU-s: ${rate.toFixed(2)} MB per CPU-second\n` +
      `    at this rate the whole 6.12 tree (870 MB of .c/.h) takes ${wholeMin.toFixed(1)} min on 2 cores ` +
      `before summaries (index target <= 10 min): ${verdict(wholeMin <= 10)}`,
  );
}

await main();
