// Messages between the extension host and the graph webview, validated in both
// directions with plain type guards (only the model's constants: the host and the webview
// bundle both import this file). Anything unknown, malformed or larger than
// MAX_MESSAGE_BYTES is dropped: the payload comes from analysed code, patches
// and mail, so it is treated as hostile. Only the parts of the model that the
// graphs read are checked deeply; strings are rendered as text, never markup.
import type { BehaviourChange, ComparisonResult } from '../../src/core/compare/compareTypes';
import {
  CONTEXT_KINDS,
  LIFECYCLE_STATES,
  type ChainStep,
  type ContextKind,
  type LifecycleState,
  type Location,
  type ProgramModel,
  type ReleaseKind,
} from '../../src/core/model';

export const PROTOCOL_VERSION = 1;
export const MAX_MESSAGE_BYTES = 5 * 1024 * 1024;

export type GraphPayload =
  | { kind: 'model'; title: string; model: ProgramModel }
  | { kind: 'comparison'; title: string; comparison: ComparisonResult };

export type HostToWebview =
  /** Replace what is shown (first data, or a new analysis). */
  | { type: 'show'; payload: GraphPayload }
  /** New data for what is shown (re-analysis after an edit): keeps the view settings. */
  | { type: 'update'; payload: GraphPayload };

export type ExportFormat = 'svg' | 'dot';

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'reveal'; file: string; line: number; column?: number }
  | { type: 'export'; format: ExportFormat; content: string; name: string };

const CONTEXTS: readonly ContextKind[] = CONTEXT_KINDS;
const STATES: readonly LifecycleState[] = LIFECYCLE_STATES;
const RELEASES = [
  'fput',
  'fsync',
  'flush',
  'flush-delayed-fput',
  'close',
] as const satisfies readonly ReleaseKind[];
const VIA = ['call', 'defer', 'callback', 'sink'] as const satisfies readonly ChainStep['via'][];
const EDGE_KINDS = ['call', 'defer', 'callback', 'register'] as const;
const HOLDERS = ['caller', 'hash', 'lru', 'list', 'dispose-list'] as const;
const SEVERITIES = [
  'error',
  'warning',
  'note',
] as const satisfies readonly BehaviourChange['severity'][];
const MATCH_KINDS = ['same', 'renamed', 'added', 'removed'] as const;

type Obj = Record<string, unknown>;
const MAX_STRING = 64 * 1024;
const MAX_ITEMS = 200_000;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_STRING;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) < 1e9;
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const oneOf =
  <T extends string>(list: readonly T[]) =>
  (v: unknown): v is T =>
    typeof v === 'string' && (list as readonly string[]).includes(v);
const opt =
  <T>(g: (v: unknown) => v is T) =>
  (v: unknown): v is T | undefined =>
    v === undefined || g(v);
const arr =
  <T>(g: (v: unknown) => v is T) =>
  (v: unknown): v is T[] =>
    Array.isArray(v) && v.length <= MAX_ITEMS && v.every(g);
function shape<T = Obj>(spec: Record<string, (v: unknown) => boolean>) {
  return (v: unknown): v is T => isObj(v) && Object.entries(spec).every(([k, g]) => g(v[k]));
}

const isContext = oneOf(CONTEXTS);
const isRelease = oneOf(RELEASES);
const isLocation = shape<Location>({ file: isStr, line: isInt, column: isInt });
const isStep = shape({ function: isStr, call: isStr, at: isLocation, via: oneOf(VIA) });
const isCall = shape({ callee: isStr, role: isStr, release: opt(isRelease), at: isLocation });
const isFunction = shape({
  name: isStr,
  file: isStr,
  span: isLocation,
  calls: arr(isCall),
  contexts: arr(isContext),
});
const isEntry = shape({ function: isStr, context: isContext, reason: isStr, at: isLocation });
const isEdge = shape({
  caller: isStr,
  callee: isStr,
  kind: oneOf(EDGE_KINDS),
  context: opt(isContext),
  at: isLocation,
});
const isSite = shape({ function: isStr, call: isStr, at: isLocation });
const isObject = shape({
  type: isStr,
  refField: isStr,
  refKind: isStr,
  holders: arr(shape({ holder: oneOf(HOLDERS), reason: isStr, function: isStr, at: isLocation })),
  transitions: arr(shape({ to: oneOf(STATES), function: isStr, call: isStr, at: isLocation })),
  finalPutSites: arr(isSite),
  getters: arr(isStr),
  putters: arr(isStr),
  releasePaths: arr(
    shape({
      entry: isStr,
      entryContext: isContext,
      runsIn: isContext,
      mode: oneOf(['inline', 'deferred'] as const),
      release: isRelease,
      sink: isStr,
      viaFinalPut: isBool,
      chain: arr(isStep),
    }),
  ),
});

export const isProgramModel = shape<ProgramModel>({
  modelVersion: isNum,
  functions: arr(isFunction),
  entryPoints: arr(isEntry),
  edges: arr(isEdge),
  objects: arr(isObject),
});

const isEvidence = shape({ summary: isStr, chain: arr(isStep), at: opt(isLocation) });
const isChange = shape({
  code: isStr,
  severity: oneOf(SEVERITIES),
  title: isStr,
  function: isStr,
  entry: opt(isStr),
  entryContext: opt(isContext),
  from: opt(isStr),
  to: opt(isStr),
  explanation: isStr,
  before: opt(isEvidence),
  after: opt(isEvidence),
});
const isRevision = shape({ label: isStr, model: isProgramModel });

export const isComparisonResult = shape<ComparisonResult>({
  comparisonVersion: isNum,
  before: isRevision,
  after: isRevision,
  matches: arr(shape({ before: opt(isStr), after: opt(isStr), kind: oneOf(MATCH_KINDS) })),
  changes: arr(isChange),
});

export function isGraphPayload(v: unknown): v is GraphPayload {
  if (!isObj(v) || !isStr(v.title)) return false;
  if (v.kind === 'model') return isProgramModel(v.model);
  if (v.kind === 'comparison') return isComparisonResult(v.comparison);
  return false;
}

/**
 * Rough size of a structured-cloned value, about its JSON length, stopping
 * as soon as it passes `limit`. Depth-limited, so cycles count as oversized.
 */
export function approxSize(v: unknown, limit = MAX_MESSAGE_BYTES): number {
  let total = 0;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, depth] = stack.pop() as [unknown, number];
    if (depth > 64) return limit + 1;
    if (typeof x === 'string') total += x.length + 2;
    else if (x === null || typeof x !== 'object') total += 6;
    else if (Array.isArray(x)) {
      total += 2;
      for (const y of x) stack.push([y, depth + 1]);
    } else {
      total += 2;
      for (const [k, y] of Object.entries(x)) {
        total += k.length + 4;
        stack.push([y, depth + 1]);
      }
    }
    if (total > limit) return total;
  }
  return total;
}

/** Host -> webview: the message, or undefined when it must be dropped. */
export function parseHostMessage(v: unknown): HostToWebview | undefined {
  if (!isObj(v) || (v.type !== 'show' && v.type !== 'update')) return undefined;
  if (approxSize(v) > MAX_MESSAGE_BYTES) return undefined;
  return isGraphPayload(v.payload) ? { type: v.type, payload: v.payload } : undefined;
}

/** Webview -> host: the message, or undefined when it must be dropped. */
export function parseWebviewMessage(v: unknown): WebviewToHost | undefined {
  if (!isObj(v)) return undefined;
  switch (v.type) {
    case 'ready':
      return { type: 'ready' };
    case 'reveal':
      if (
        !isStr(v.file) ||
        v.file.length === 0 ||
        v.file.length > 4096 ||
        !isInt(v.line) ||
        v.line < 1
      )
        return undefined;
      if (v.column !== undefined && !isInt(v.column)) return undefined;
      return v.column === undefined
        ? { type: 'reveal', file: v.file, line: v.line }
        : { type: 'reveal', file: v.file, line: v.line, column: v.column };
    case 'export': {
      const format = v.format;
      if (format !== 'svg' && format !== 'dot') return undefined;
      if (typeof v.content !== 'string' || 2 * v.content.length > MAX_MESSAGE_BYTES)
        return undefined;
      if (!isStr(v.name) || !/^[\w.-]{1,100}$/.test(v.name)) return undefined;
      return { type: 'export', format, content: v.content, name: v.name };
    }
    default:
      return undefined;
  }
}
