// Analysis worker (worker_threads): owns the parser (loads the wasm itself,
// lazily), caches per-file facts and re-runs the whole-program analysis when
// files change. Runs off the extension host's main thread; the host posts file
// contents in and gets plain ProgramModel data back. Cancellable: a `cancel`
// message is honoured between files (the loop yields to the event loop), and
// the host can always terminate the worker outright.
import os from 'node:os';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import {
  analyzeProgram,
  buildModel,
  extractSource,
  type SourceFile,
} from '../core/analysis/analyze';
import { AnalysisMemo } from '../core/analysis/memo';
import { builtinCatalog } from '../core/catalog/builtinCatalog';
import { CatalogIndex, extendCatalog, parseCatalogFile } from '../core/catalog/catalog';
import type { FileFacts } from '../core/facts/factTypes';
import type { ParseReport, ProgramModel } from '../core/model';
import { groupByProgram, programRoots } from './programs';
import type { SummarySource } from '../core/analysis/calleeSummary';
import type { CParser } from '../core/parse/cParser';
import { buildIndex } from '../node/index/indexBuild';
import { defaultCacheDir } from '../node/index/indexStore';
import { nodeParser } from '../node/wasmFiles';
import { ProgramSummaries, type TreeSettings } from './programSummaries';
import { compareGit, compareSeriesIn, compareTextsIn } from './workerCompare';
import type { WorkerRequest, WorkerResponse } from './workerProtocol';

interface Entry {
  hash: string;
  facts?: FileFacts;
  report: ParseReport;
}

const port = parentPort;
if (!port) throw new Error('analysisWorker must run in a worker thread');
const send = (m: WorkerResponse) => port.postMessage(m);

let catalog = new CatalogIndex();
/** What earlier analyses computed for functions that did not change (AnalysisMemo). */
let memo = new AnalysisMemo(catalog);
let treeSettings: TreeSettings = {};
/** Each program's callees outside its files: its kernel tree's index (or on demand). */
let summaries = new ProgramSummaries(treeSettings, catalog);
/** Summaries of the last analysis, by program root (the quick first answer uses them). */
let sourceOfRoot = new Map<string, SummarySource>();
/** Index builds running, by request id (a `cancel` aborts them). */
const builds = new Map<number, AbortController>();
/** Files (re-)extracted since the last whole-program analysis, ahead of it or by it. */
const changed = new Set<string>();
/** How long the whole-program analysis after the last edit took up to its findings. */
let lastFindingsMs = 0;
/**
 * From this, an edit first gets the edited files' own path findings (a small
 * program of them and their callees) before the whole-program ones.
 */
const QUICK_FIRST_ABOVE_MS = 200;
let quickFirstAboveMs = QUICK_FIRST_ABOVE_MS;
let maxFileBytes = 2 * 1024 * 1024;
const cache = new Map<string, Entry>();
const cancelled = new Set<number>();
let parser: Promise<CParser> | undefined;
let queue: Promise<void> = Promise.resolve();
/** Requests received and not yet handled. */
let pendingRequests = 0;

function getParser(): Promise<CParser> {
  parser ??= nodeParser([__dirname, path.join(__dirname, '..', 'dist')]);
  return parser;
}

/** Cheap content hash (FNV-1a over UTF-16 units, plus length). */
export function textHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `${text.length}:${(h >>> 0).toString(16)}`;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

function extractEntry(src: SourceFile, p: CParser): Entry {
  const { facts, report } = extractSource(src, { parser: p, catalog, maxFileBytes });
  // Functions the edit left alone keep their facts objects, and with them the memo's results.
  const reused = facts && memo.reuseUnchanged(cache.get(src.path)?.facts, facts);
  changed.add(src.path);
  return { hash: textHash(src.text), facts: reused, report };
}

/** The sources whose text differs from what was last extracted. */
function stale(sources: SourceFile[]): SourceFile[] {
  return sources.filter((s) => cache.get(s.path)?.hash !== textHash(s.text));
}

/** Extracts texts ahead of their `analyze` (see the `extract` request). */
async function prepare(sources: SourceFile[]): Promise<void> {
  const todo = stale(sources);
  if (!todo.length) return;
  const p = await getParser();
  for (const src of todo) cache.set(src.path, extractEntry(src, p));
}

async function analyze(req: Extract<WorkerRequest, { type: 'analyze' }>): Promise<void> {
  const t0 = performance.now();
  let parserLoadMs: number | undefined;
  if (cancelled.delete(req.id)) return send({ type: 'cancelled', id: req.id });
  for (const r of req.removed) {
    cache.delete(r);
    changed.delete(r);
  }
  const todo = stale(req.upserts);
  let p: CParser | undefined;
  let lastYield = performance.now();
  for (let i = 0; i < todo.length; i++) {
    const src = todo[i];
    if (performance.now() - lastYield > 15) {
      send({ type: 'progress', id: req.id, done: i, total: todo.length, file: src.path });
      await tick();
      lastYield = performance.now();
    }
    if (cancelled.has(req.id)) {
      cancelled.delete(req.id);
      send({ type: 'cancelled', id: req.id });
      return;
    }
    if (!p) {
      const tp = performance.now();
      const loaded = !!parser;
      p = await getParser();
      if (!loaded) parserLoadMs = performance.now() - tp;
    }
    cache.set(src.path, extractEntry(src, p));
  }
  const t1 = performance.now();
  const keys = [...cache.keys()].sort();
  // An edit: one or two files changed (extracted now, or ahead by `extract`) in a larger program.
  const edited = [...changed];
  changed.clear();
  const small = edited.length > 0 && edited.length <= 2 && keys.length > 4;
  // Each kernel tree in the folder is its own program (same-named functions never mix),
  // with the callees outside its files from its tree's index.
  const groups = [...groupByProgram(keys)];
  if (groups.length) p ??= await getParser();
  const parserNow = p;
  const sourced = groups.map(([root, ks]) => {
    const s = summaries.sourceFor(ks, parserNow as CParser);
    return { root, ks, ...s };
  });
  sourceOfRoot = new Map(sourced.map((s) => [s.root, s.source]));
  const withoutIndex = summaries.treesWithoutIndex();
  if (withoutIndex.length) send({ type: 'trees-without-index', trees: withoutIndex });
  if (req.quick && small && lastFindingsMs >= quickFirstAboveMs) quick(req.id, edited, t0);
  const facts = keys.flatMap((k) => cache.get(k)?.facts ?? []);
  const reports = keys.map((k) => (cache.get(k) as Entry).report);
  const tp = performance.now();
  const programs = sourced.map(({ ks, source }) => ({
    analysis: analyzeProgram(
      ks.flatMap((k) => cache.get(k)?.facts ?? []),
      catalog,
      memo,
      source,
    ),
    reports: ks.map((k) => (cache.get(k) as Entry).report),
  }));
  const callees = summaries.afterAnalysis();
  // Only edits predict edits: a first index analyses everything cold.
  lastFindingsMs = small ? performance.now() - tp : 0;
  // Diagnostics need only the findings: they go out before the model is built.
  if (req.quick)
    send({
      type: 'findings',
      id: req.id,
      findings: programs.flatMap((p) => p.analysis.findings),
      reports,
      ms: performance.now() - t0,
    });
  const model = mergeModels(programs.map((p) => buildModel(p.analysis, p.reports)));
  const t2 = performance.now();
  cancelled.delete(req.id);
  send({
    type: 'analysis',
    id: req.id,
    model,
    timings: {
      extracted: todo.length,
      files: keys.length,
      extractMs: t1 - t0,
      analyzeMs: t2 - t1,
      parserLoadMs,
      ...(callees.length ? { callees } : {}),
      ...(withoutIndex.length ? { treesWithoutIndex: withoutIndex } : {}),
    },
  });
  if (!small && facts.length > 1)
    warmUp(
      sourced.map((s) => ({
        facts: s.ks.flatMap((k) => cache.get(k)?.facts ?? []),
        source: s.source,
      })),
    );
}

/** One model over several programs: their files, functions, objects and findings side by side. */
function mergeModels(models: ProgramModel[]): ProgramModel {
  if (models.length === 1) return models[0];
  return {
    modelVersion: models[0]?.modelVersion ?? 1,
    files: models.flatMap((m) => m.files),
    functions: models.flatMap((m) => m.functions),
    entryPoints: models.flatMap((m) => m.entryPoints),
    edges: models.flatMap((m) => m.edges),
    objects: models.flatMap((m) => m.objects),
    findings: models.flatMap((m) => m.findings),
  };
}

/** Enough for the optimising compiler to take the edit path's hot functions (measured: 3). */
const WARM_UP_RUNS = 3;

/**
 * After a large batch (the first index), re-runs the program analysis a few times
 * while the editor is idle: the code paths an edit takes (memo hits) get compiled
 * before the first edit needs them. Skipped as soon as real work is queued.
 */
function warmUp(programs: { facts: FileFacts[]; source: SummarySource }[]): void {
  queue = queue.then(async () => {
    try {
      for (let i = 0; i < WARM_UP_RUNS && pendingRequests === 0; i++) {
        await tick();
        for (const p of programs) analyzeProgram(p.facts, catalog, memo, p.source);
      }
    } catch {
      // Only a warm-up: the next real analysis reports whatever went wrong.
    }
  });
}

export const PATH_FINDINGS: ReadonlySet<string> = new Set([
  'ref-leak',
  'double-put',
  'unchecked-conditional-get',
]);

/** Path findings of the edited files, from a program of those files plus the files defining their callees. */
function quick(id: number, edited: string[], t0: number): void {
  const paths = new Set(edited);
  const own = [...paths].flatMap((p) => cache.get(p)?.facts ?? []);
  if (!own.length) return;
  const callees = new Set(
    own.flatMap((f) => f.functions.flatMap((fn) => fn.calls.map((c) => c.callee))),
  );
  const facts = [...own];
  // Callees come from the edited files' own program (kernel tree) only.
  const roots = programRoots([...cache.keys()]);
  const mine = new Set(edited.map((p) => roots.get(p)));
  const source = sourceOfRoot.get(roots.get(edited[0]) ?? '');
  for (const [k, e] of cache)
    if (
      !paths.has(k) &&
      mine.has(roots.get(k)) &&
      e.facts?.functions.some((fn) => callees.has(fn.name))
    )
      facts.push(e.facts);
  const { findings } = analyzeProgram(facts, catalog, memo, source);
  send({
    type: 'partial',
    id,
    files: [...paths],
    findings: findings.filter((f) => paths.has(f.at.file) && PATH_FINDINGS.has(f.kind)),
    reports: [...paths].map((p) => (cache.get(p) as Entry).report),
    ms: performance.now() - t0,
  });
}

function configure(req: Extract<WorkerRequest, { type: 'configure' }>): void {
  const { problems, sources } = applyConfig(req.catalogs, req.maxFileBytes);
  quickFirstAboveMs = req.quickFirstAboveMs ?? QUICK_FIRST_ABOVE_MS;
  cache.clear(); // facts depend on the catalog
  changed.clear();
  memo = new AnalysisMemo(catalog);
  treeSettings = {
    ...(req.kernelTree ? { kernelTree: req.kernelTree } : {}),
    ...(req.cacheDir ? { cacheDir: req.cacheDir } : {}),
  };
  summaries = new ProgramSummaries(treeSettings, catalog);
  sourceOfRoot = new Map();
  send({ type: 'configured', problems, catalogSources: sources });
}

function applyConfig(
  catalogs: { path: string; text: string }[],
  maxBytes: number,
): { problems: string[]; sources: string[] } {
  maxFileBytes = maxBytes;
  let cat = builtinCatalog;
  const problems: string[] = [];
  for (const c of catalogs) {
    try {
      cat = extendCatalog(cat, parseCatalogFile(c.text, c.path), c.path);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  catalog = new CatalogIndex(cat);
  return { problems, sources: cat.sources };
}

async function handle(req: WorkerRequest): Promise<void> {
  const id = 'id' in req ? req.id : -1;
  try {
    switch (req.type) {
      case 'configure':
        return configure(req);
      case 'analyze':
        return await analyze(req);
      case 'compare-texts': {
        const t = performance.now();
        const result = compareTextsIn(req.before, req.after, await getParser(), catalog);
        return send({ type: 'comparison', id, result, ms: performance.now() - t });
      }
      case 'compare-git': {
        const t = performance.now();
        const r = await compareGit(req, await getParser(), catalog);
        return send({ type: 'comparison', id, ...r, ms: performance.now() - t });
      }
      case 'compare-series': {
        const t = performance.now();
        const result = await compareSeriesIn(req, await getParser(), catalog);
        return send({ type: 'series', id, result, ms: performance.now() - t });
      }
      case 'extract':
        return await prepare(req.sources);
      case 'build-index':
        return await buildTreeIndex(req);
      case 'tree-index':
        return treeIndexChanged(req.tree, req.state);
      case 'cancel':
        return;
    }
  } catch (e) {
    const err = e as Error;
    send({ type: 'error', id, message: err?.message ?? String(e), kind: err?.name });
  }
}

/** Another thread writes the index of `tree`, or has written it. */
function treeIndexChanged(tree: string, state: 'building' | 'built'): void {
  if (state === 'building') return summaries.indexing(tree);
  summaries.forget(tree);
  memo = new AnalysisMemo(catalog);
}

/**
 * The whole tree's index, on the index's own worker threads; this thread hands
 * out files. The extension runs it in a worker of its own (treeIndexCommand.ts);
 * here too it stays outside the queue, so analyses would go on meanwhile.
 */
async function buildTreeIndex(req: Extract<WorkerRequest, { type: 'build-index' }>): Promise<void> {
  const abort = new AbortController();
  builds.set(req.id, abort);
  let last = 0;
  try {
    const stats = await buildIndex({
      root: req.tree,
      cacheDir: treeSettings.cacheDir ?? defaultCacheDir(),
      catalog,
      wasmDirs: [__dirname, path.join(__dirname, '..', 'dist')],
      workerScript: path.join(__dirname, 'indexWorker.js'),
      statWorker: path.join(__dirname, 'statWorker.js'),
      // One thread stays with the editor's analyses.
      threads: Math.max(1, (os.availableParallelism?.() ?? 2) - 1),
      signal: abort.signal,
      onProgress: (p) => {
        const now = performance.now();
        if (now - last < 250 && p.done < p.total) return;
        last = now;
        send({ type: 'index-progress', id: req.id, ...p });
      },
    });
    // Programs of that tree look it up again at their next analysis. (The memo's
    // results are keyed by the callees' effects, not by where summaries came
    // from; it is dropped all the same when a tree's summaries all change.)
    summaries.forget(req.tree);
    if (stats.indexed) memo = new AnalysisMemo(catalog);
    send({ type: 'index-built', id: req.id, tree: req.tree, stats });
  } finally {
    builds.delete(req.id);
    cancelled.delete(req.id);
  }
}

port.on('message', (req: WorkerRequest) => {
  // Cancellation must not wait behind the request it cancels.
  if (req.type === 'cancel') {
    builds.get(req.id)?.abort();
    cancelled.add(req.id);
    return;
  }
  // Before the next write of on-demand records, not after the analyses queued.
  if (req.type === 'tree-index') {
    treeIndexChanged(req.tree, req.state);
    return;
  }
  // An index build runs beside the analyses, not in their queue.
  if (req.type === 'build-index') {
    void handle(req);
    return;
  }
  pendingRequests++;
  queue = queue.then(() => handle(req)).finally(() => pendingRequests--);
});
