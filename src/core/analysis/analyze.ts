// The analyzer's entry point: source texts in, ProgramModel out. Does no I/O;
// hosts read files and hand in their contents.
import { builtinCatalogIndex, CatalogIndex } from '../catalog/catalog';
import { extractFileFacts } from '../facts/extractFile';
import type { ArgFact, FileFacts, FunctionFacts } from '../facts/factTypes';
import {
  MODEL_VERSION,
  type ClassifiedCall,
  type ContextKind,
  type Finding,
  type FunctionSummary,
  type ParseReport,
  type ProgramModel,
  type ReleaseKind,
  type ReleasePath,
} from '../model';
import type { CParser } from '../parse/cParser';
import { buildCallGraph, toCallEdges, type CallGraph, type GraphEdge } from './callGraph';
import { attachLruDesigns } from './lruDesign';
import { releaseConditions } from './pathConditions';
import { finalPutBranches, propagateContexts, reachingBackwards, releasePaths } from './contexts';
import {
  atomicSleepFindings,
  balanceFindings,
  settleSeverity,
  unhashRaceFindings,
} from './findings';
import { analyzeLocks, type LockState } from './locks';
import { AnalysisMemo } from './memo';
import { pushTo } from './multimap';
import { buildObjects } from './objects';
import { Program } from './program';
import { computeSummaries } from './summaries';
import type { SummarySource } from './calleeSummary';
import { notFollowedCalls } from './notFollowed';
import { compareText } from './textOrder';

export interface SourceFile {
  path: string;
  /** File contents; binary data is detected and skipped with a message. */
  text: string;
}

export interface AnalyzeOptions {
  parser: CParser;
  catalog?: CatalogIndex;
  /** Files larger than this are skipped with a message (default 8 MiB). */
  maxFileBytes?: number;
  onProgress?: (done: number, total: number, file: string) => void;
  /** Summaries of callees defined outside the analysed files (tree index, helper facts). */
  summaries?: SummarySource;
}

export const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;

/** 20.0 MiB, 8 MiB, 700 B: sizes in the unit a reader expects. */
export function formatSize(bytes: number): string {
  const [n, unit] =
    bytes >= 1048576
      ? [bytes / 1048576, 'MiB']
      : bytes >= 1024
        ? [bytes / 1024, 'KiB']
        : [bytes, 'B'];
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${unit}`;
}

/** Why a file cannot be analysed, or undefined when it can. */
export function unanalysableReason(
  text: string,
  maxBytes = DEFAULT_MAX_FILE_BYTES,
): string | undefined {
  if (text.length > maxBytes)
    return `file is ${formatSize(text.length)}, over the ${formatSize(maxBytes)} limit`;
  const head = text.slice(0, 8192);
  if (head.includes('\u0000')) return 'binary file (contains NUL bytes)';
  // eslint-disable-next-line no-control-regex -- counting control bytes is the point
  const odd = head.match(/[\u0001-\u0008\u000e-\u001f\ufffd]/g);
  if (odd && odd.length > head.length / 20) return 'binary file (mostly non-text bytes)';
  return undefined;
}

export function analyzeSources(sources: SourceFile[], options: AnalyzeOptions): ProgramModel {
  const catalog = options.catalog ?? builtinCatalogIndex();
  const { files, reports } = extractSources(sources, { ...options, catalog });
  options.onProgress?.(sources.length, sources.length, '');
  return analyzeFacts(files, catalog, reports, undefined, options.summaries);
}

/** The per-file half of the analysis: hosts may run it on several threads. */
export function extractSources(
  sources: SourceFile[],
  options: AnalyzeOptions & { catalog: CatalogIndex },
): { files: FileFacts[]; reports: ParseReport[] } {
  const files: FileFacts[] = [];
  const reports: ParseReport[] = [];
  sources.forEach((src, i) => {
    options.onProgress?.(i, sources.length, src.path);
    const { facts, report } = extractSource(src, options);
    if (facts) files.push(facts);
    reports.push(report);
  });
  return { files, reports };
}

/**
 * One file's facts and its report. A file that cannot be analysed (binary, too
 * large) or that trips an internal error has no facts and says why; the other
 * files are unaffected.
 */
export function extractSource(
  src: SourceFile,
  options: Pick<AnalyzeOptions, 'parser' | 'maxFileBytes'> & { catalog: CatalogIndex },
): { facts?: FileFacts; report: ParseReport } {
  const base = { file: src.path, functions: 0, functionsWithErrors: 0, errorFunctions: [] };
  const skip = unanalysableReason(src.text, options.maxFileBytes);
  if (skip) return { report: { ...base, problems: [], skipped: skip, maskedMacros: 0 } };
  try {
    const facts = extractFileFacts(src.path, src.text, options.parser, options.catalog);
    return {
      facts,
      report: {
        ...base,
        functions: facts.functions.length,
        functionsWithErrors: facts.errorFunctions.length,
        errorFunctions: facts.errorFunctions,
        problems: facts.problems,
        maskedMacros: facts.masked.length,
      },
    };
  } catch (e) {
    return {
      report: {
        ...base,
        problems: [],
        skipped: `internal error while extracting facts (please report): ${(e as Error).message}`,
        maskedMacros: 0,
      },
    };
  }
}

export function analyzeFacts(
  files: FileFacts[],
  catalog: CatalogIndex,
  reports: ParseReport[],
  memo?: AnalysisMemo,
  summaries?: SummarySource,
): ProgramModel {
  return buildModel(analyzeProgram(files, catalog, memo, summaries), reports);
}

/**
 * The whole-program analysis up to the findings. Hosts that publish findings
 * first (the editor's diagnostics) call this, then buildModel().
 */
export interface ProgramAnalysis {
  program: Program;
  graph: CallGraph;
  paths: ReleasePath[];
  locks: Map<FunctionFacts, LockState>;
  /** Sorted by file, then line. */
  findings: Finding[];
}

export function analyzeProgram(
  files: FileFacts[],
  catalog: CatalogIndex,
  memo?: AnalysisMemo,
  summaries?: SummarySource,
): ProgramAnalysis {
  if (memo && memo.catalog !== catalog) throw new Error('analysis memo belongs to another catalog');
  // Without a host's memo, a fresh one: the passes share per-function tables through it.
  const kept = memo ?? new AnalysisMemo(catalog);
  const program = new Program(files, catalog, kept, summaries);
  const balances = computeSummaries(program, kept);
  program.findContainerOwners(true);
  const graph = buildCallGraph(program);
  const finals = finalPutBranches(program);
  const paths = releasePaths(program, graph, finals);
  const byName = new Map<string, FunctionFacts[]>();
  for (const f of program.functions) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
  const lookup = (name: string, file?: string) => {
    const defs = byName.get(name);
    return file ? defs?.find((f) => f.file === file) : defs?.length === 1 ? defs[0] : undefined;
  };
  const holderOf = (fn: FunctionFacts, arg: ArgFact, line: number) =>
    program.argType(fn, arg, line)?.type;
  for (const p of paths)
    p.conditions = releaseConditions(program.guards, catalog, lookup, p.chain, holderOf);
  const locks = lockStates(program, kept);
  const findings = [
    ...balanceFindings(program, balances),
    ...atomicSleepFindings(program, graph, locks, paths),
    ...unhashRaceFindings(program, locks),
  ]
    .map(settleSeverity)
    .sort((a, b) => compareText(a.at.file, b.at.file) || a.at.line - b.at.line);
  return { program, graph, paths, locks, findings };
}

/**
 * Lock states, in two rounds: each function on its own (which also says which
 * locks it drops without taking), then the callers of such helpers again with
 * the helper's drop ending their region.
 */
function lockStates(program: Program, memo: AnalysisMemo): Map<FunctionFacts, LockState> {
  const catalog = program.catalog;
  const own = new Map<FunctionFacts, LockState>();
  for (const fn of program.functions)
    own.set(
      fn,
      memo.lockState(fn, '', () => analyzeLocks(fn, catalog)),
    );
  const locks = new Map<FunctionFacts, LockState>();
  for (const fn of program.functions) {
    const callees = program.callees(fn);
    const releasedBy = fn.calls.map((_, i) => {
      const callee = callees[i];
      const r = callee && callee !== fn ? own.get(callee)?.releases : undefined;
      return r?.length ? r : undefined;
    });
    if (!releasedBy.some((r) => r)) {
      locks.set(fn, own.get(fn) as LockState);
      continue;
    }
    const key = releasedBy.map((r) => r?.join(',') ?? '').join('|');
    locks.set(
      fn,
      memo.lockState(fn, key, () => analyzeLocks(fn, catalog, releasedBy)),
    );
  }
  return locks;
}

/** The ProgramModel of an analysis: per-function summaries, objects, edges. */
export function buildModel(analysis: ProgramAnalysis, reports: ParseReport[]): ProgramModel {
  const { program, graph, paths, locks } = analysis;
  const catalog = program.catalog;
  const contexts = propagateContexts(graph);
  const objects = buildObjects(program, paths);
  const inlineRelease = new Map<FunctionFacts, Set<ReleaseKind>>();
  const deferredRelease = new Map<FunctionFacts, Set<ReleaseKind>>();
  reachRelease(program, graph, inlineRelease, deferredRelease);
  // Functions that reach a catalogued final put / a sleeping call through inline calls.
  const inline = (e: GraphEdge) => e.kind === 'call';
  const mayFinalPut = reachingBackwards(
    graph,
    program.functions.filter((fn) =>
      fn.calls.some((_, i) => {
        const c = program.classify(fn, i);
        return c?.role === 'ref-final-put' && c.source === 'catalog';
      }),
    ),
    inline,
  );
  const maySleep = reachingBackwards(
    graph,
    program.functions.filter(
      (fn) =>
        program.entries(fn).some((e) => !!e?.sleeps) ||
        program.externalSummaries(fn).some((s) => s?.maySleep),
    ),
    inline,
  );

  const functions: FunctionSummary[] = program.functions.map((fn) => {
    const d = program.derived.get(fn);
    const lock = locks.get(fn) as LockState;
    const calls: ClassifiedCall[] = [];
    fn.calls.forEach((call, i) => {
      const c = program.classify(fn, i);
      if (!c) return;
      const cc: ClassifiedCall = {
        callee: call.callee,
        role: c.role,
        source: c.source,
        at: call.at,
        locksHeld: lock.held[i],
        atomic: lock.atomic[i],
      };
      if (c.objectType) cc.objectType = c.objectType;
      if (c.typeSource === 'field-name-guess') cc.typeSource = c.typeSource;
      if (c.entry?.release) cc.release = c.entry.release;
      calls.push(cc);
    });
    const annotations = [
      ...fn.annotations,
      ...fn.calls
        .filter((c) => catalog.calls.get(c.callee)?.role === 'annotation')
        .map((c) => `${c.callee}(${c.args.map((a) => a.text).join(', ')})`),
    ];
    const s: FunctionSummary = {
      name: program.idOf(fn),
      file: fn.file,
      span: fn.span,
      isStatic: fn.isStatic,
      hasParseErrors: fn.hasParseErrors,
      returnsRef: d?.returnsRef ?? false,
      mayFinalPut: mayFinalPut.has(fn),
      maySleep: maySleep.has(fn),
      releaseInline: [...(inlineRelease.get(fn) ?? [])].sort(),
      releaseDeferred: [...(deferredRelease.get(fn) ?? [])].sort(),
      contexts: [...(contexts.get(fn) ?? new Set<ContextKind>())].sort(),
      annotations: [...new Set(annotations)],
      calls,
      callees: bodyShape(fn, catalog),
    };
    if (d?.wrapper) {
      s.wrapper = d.wrapper;
      if (d.wrapperParam !== undefined) s.wrapperParam = d.wrapperParam;
    }
    return s;
  });
  attachLruDesigns(
    program,
    graph,
    objects,
    contexts,
    new Map(program.functions.map((fn, i) => [fn, functions[i]])),
  );

  return {
    modelVersion: MODEL_VERSION,
    files: reports,
    functions,
    entryPoints: graph.entries.map((e) => e.entry),
    edges: toCallEdges(graph, program),
    objects,
    findings: analysis.findings,
    ...notFollowedCalls(program, objects),
  };
}

/**
 * Release kinds reachable inline, and those reachable only through a deferral:
 * `now` (no defer edge on the way) and `later` (at least one) as bit sets, one
 * bit per release kind seen, propagated from callees to callers until nothing
 * changes.
 */
function reachRelease(
  program: Program,
  graph: CallGraph,
  inline: Map<FunctionFacts, Set<ReleaseKind>>,
  deferred: Map<FunctionFacts, Set<ReleaseKind>>,
): void {
  const bit = new Map<ReleaseKind, number>();
  const kinds: ReleaseKind[] = [];
  const now = new Map<FunctionFacts, number>();
  const later = new Map<FunctionFacts, number>();
  const into = new Map<FunctionFacts, GraphEdge[]>();
  for (const fn of program.functions) {
    let own = 0;
    const bitOf = (r: ReleaseKind) => {
      if (!bit.has(r)) {
        bit.set(r, 1 << kinds.length);
        kinds.push(r);
      }
      return bit.get(r) as number;
    };
    let ownLater = 0;
    for (const e of program.entries(fn)) {
      const r = e?.role === 'release' ? e.release : undefined;
      if (r) own |= bitOf(r);
    }
    for (const s of program.externalSummaries(fn))
      for (const r of s?.release ?? [])
        if (r.mode === 'inline') own |= bitOf(r.kind);
        else ownLater |= bitOf(r.kind);
    now.set(fn, own);
    later.set(fn, ownLater);
  }
  for (const e of graph.edges) if (e.kind !== 'register') pushTo(into, e.to, e);
  const work = [...program.functions];
  const queued = new Set(work);
  while (work.length) {
    const to = work.pop() as FunctionFacts;
    queued.delete(to);
    const toNow = now.get(to) ?? 0;
    const toLater = later.get(to) ?? 0;
    for (const e of into.get(to) ?? []) {
      const from = e.from;
      const n = now.get(from) ?? 0;
      const l = later.get(from) ?? 0;
      const n2 = e.kind === 'defer' ? n : n | toNow;
      const l2 = e.kind === 'defer' ? l | toNow | toLater : l | toLater;
      if (n2 === n && l2 === l) continue;
      now.set(from, n2);
      later.set(from, l2);
      if (!queued.has(from)) {
        queued.add(from);
        work.push(from);
      }
    }
  }
  const toSet = (mask: number) => new Set(kinds.filter((k) => mask & (bit.get(k) as number)));
  for (const fn of program.functions) {
    const n = now.get(fn) ?? 0;
    inline.set(fn, toSet(n));
    deferred.set(fn, toSet((later.get(fn) ?? 0) & ~n));
  }
}

/** The call shape leaves tracepoints and logging out: they say nothing about behaviour. */

function bodyShape(fn: FunctionFacts, catalog: CatalogIndex): string[] {
  const logging = fn.calls.filter((c) => catalog.isLogging(c.callee));
  const inside = (c: FunctionFacts['calls'][number]) =>
    logging.some(
      (l) =>
        l !== c &&
        (c.at.line > l.at.line || (c.at.line === l.at.line && c.at.column >= l.at.column)) &&
        (c.at.endLine < l.at.endLine ||
          (c.at.endLine === l.at.endLine && c.at.endColumn <= l.at.endColumn)),
    );
  return fn.calls.filter((c) => !catalog.isLogging(c.callee) && !inside(c)).map((c) => c.callee);
}
