// The analyzer's output model: the contract between src/core and every consumer
// (CLI reports, the extension, the webview, revision comparison). Serialised as
// JSON by reports/json.ts; bump MODEL_VERSION when a field changes meaning.

export const MODEL_VERSION = 1;

/** Where code runs. A small, closed vocabulary; see ARCHITECTURE.md. */
export type ContextKind =
  | 'process' // external caller of a non-static function: process context, caller unknown
  | 'workqueue' // work item handler (kworker; may sleep)
  | 'delayed-work' // delayed work handler (kworker; may sleep)
  | 'shrinker' // shrinker count/scan: inside memory reclaim
  | 'lru-isolate' // list_lru walk isolate callback: LRU spinlock held (atomic)
  | 'fsnotify' // fsnotify op: inside another task's VFS operation
  | 'notifier' // notifier chain callback (lease breaks)
  | 'rcu-callback' // call_rcu callback: softirq (atomic)
  | 'rpc-thread' // RPC dispatch (.pc_func of struct svc_procedure): an svc service thread
  | 'svc-thread' // svc service thread function (svc_create_pooled threadfn), between requests
  | 'netlink' // generic netlink .doit/.dumpit: process context of the sending task
  | 'kthread' // kthread_run/kthread_create thread function: process context
  | 'timer' // timer_list callback: softirq (atomic)
  | 'hrtimer' // hrtimer callback: hardirq or softirq (atomic)
  | 'tasklet' // tasklet: softirq (atomic)
  | 'hardirq' // interrupt handler: hardirq (atomic)
  | 'irq-thread'; // threaded interrupt handler: process context

export const CONTEXT_KINDS: readonly ContextKind[] = [
  'process',
  'workqueue',
  'delayed-work',
  'shrinker',
  'lru-isolate',
  'fsnotify',
  'notifier',
  'rcu-callback',
  'rpc-thread',
  'svc-thread',
  'netlink',
  'kthread',
  'timer',
  'hrtimer',
  'tasklet',
  'hardirq',
  'irq-thread',
];

/** Contexts in which sleeping is a bug. */
export const ATOMIC_CONTEXTS: ReadonlySet<ContextKind> = new Set<ContextKind>([
  'lru-isolate',
  'rcu-callback',
  'timer',
  'hrtimer',
  'tasklet',
  'hardirq',
]);

export const CONTEXT_LABELS: Record<ContextKind, string> = {
  process: 'process context (external caller)',
  workqueue: 'workqueue',
  'delayed-work': 'delayed work',
  shrinker: 'shrinker (memory reclaim)',
  'lru-isolate': 'list_lru isolate callback (spinlock held)',
  fsnotify: 'fsnotify callback',
  notifier: 'notifier chain (lease break)',
  'rcu-callback': 'RCU callback (softirq)',
  'rpc-thread': 'RPC service thread (svc_procedure dispatch)',
  'svc-thread': 'RPC service thread function (between requests)',
  netlink: 'netlink handler (process context, syscall)',
  kthread: 'kernel thread (process context)',
  timer: 'timer callback (softirq, atomic)',
  hrtimer: 'hrtimer callback (hardirq or softirq, atomic)',
  tasklet: 'tasklet (softirq, atomic)',
  hardirq: 'interrupt handler (hardirq, atomic)',
  'irq-thread': 'threaded interrupt handler (process context)',
};

/** Kinds of release work ("sinks") that a final close performs. */
export type ReleaseKind = 'fput' | 'fsync' | 'flush' | 'flush-delayed-fput' | 'close';

export interface Location {
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

export interface Span extends Location {
  endLine: number;
  endColumn: number;
}

/** One step in a call chain used as evidence. */
export interface ChainStep {
  function: string;
  /** The call made from `function` to the next step (or the sink itself). */
  call: string;
  at: Location;
  /** How control moves to the next step. */
  via: 'call' | 'defer' | 'callback' | 'sink';
}

export interface ParseReport {
  file: string;
  functions: number;
  functionsWithErrors: number;
  errorFunctions: string[];
  /** File-level problems: unbalanced braces or #if blocks, syntax errors outside functions. */
  problems: string[];
  /** Set when the file was not analysed at all (binary, too large, unreadable). */
  skipped?: string;
  maskedMacros: number;
}

export type CallRole =
  | 'ref-get'
  | 'ref-get-conditional'
  | 'ref-put'
  | 'ref-final-put'
  | 'ref-init'
  | 'ref-read'
  | 'hash-insert'
  | 'hash-remove'
  | 'hash-lookup'
  | 'lru-add'
  | 'lru-del'
  | 'lru-walk'
  | 'list-add'
  | 'list-del'
  | 'list-drain'
  | 'bit-test'
  | 'bit-set'
  | 'bit-clear'
  | 'bit-test-and-clear'
  | 'bit-test-and-set'
  | 'defer'
  | 'register'
  | 'release'
  | 'lock'
  | 'unlock'
  | 'annotation'
  | 'free'
  | 'wake';

/** A classified call site, as the editor shows it on hover. */
export interface ClassifiedCall {
  callee: string;
  role: CallRole;
  /** Catalog entry or "derived from <function>" for wrappers recognised from bodies. */
  source: string;
  at: Span;
  /** Object type the call operates on, when known (e.g. "nfsd_file"). */
  objectType?: string;
  /** How objectType was found: the declared type of the argument, or a guess from a field name. */
  typeSource?: TypeSource;
  /** For release calls: the kind of release work. */
  release?: ReleaseKind;
  /** Locks that may be held here (by name), and whether the region is atomic. */
  locksHeld: string[];
  atomic: boolean;
}

export interface FunctionSummary {
  name: string;
  file: string;
  span: Span;
  isStatic: boolean;
  hasParseErrors: boolean;
  /** Wrapper classification derived from the body, if any. */
  /** take-over: hands the caller a container's reference (unhash, LRU removal), no new get. */
  wrapper?: 'get' | 'get-conditional' | 'put' | 'final-put-test' | 'take-over';
  /** Parameter index the wrapper acts on. */
  wrapperParam?: number;
  /** Returns an object holding a new reference. */
  returnsRef: boolean;
  mayFinalPut: boolean;
  maySleep: boolean;
  /** Release work this function can reach inline (without a deferral). */
  releaseInline: ReleaseKind[];
  /** Release work reached only through a deferral (to another context). */
  releaseDeferred: ReleaseKind[];
  /** Contexts this function can run in. */
  contexts: ContextKind[];
  /** Annotations stated in the source (might_sleep, lockdep_assert_held, __must_hold, ...). */
  annotations: string[];
  calls: ClassifiedCall[];
  /** Every callee in source order (classified or not): the body's shape, for rename matching. */
  callees: string[];
}

export interface EntryPoint {
  function: string;
  context: ContextKind;
  /** How the entry was found: "non-static", "INIT_WORK at f:l", ".handle_inode_event in nfsd_file_fsnotify_ops", ... */
  reason: string;
  at: Location;
}

/** One way release work can run for an entry context. */
export interface ReleasePath {
  entry: string;
  entryContext: ContextKind;
  /** The context in which the release work actually runs. */
  runsIn: ContextKind;
  mode: 'inline' | 'deferred';
  release: ReleaseKind;
  sink: string;
  /** Whether the chain passes through a final put of the object. */
  viaFinalPut: boolean;
  chain: ChainStep[];
  /** Branch tests the chain's calls run under (`refcount_dec_and_test(nf_ref)`, `!test_bit(X, f)`), sorted, line-free. */
  conditions?: string[];
}

export type Holder = 'caller' | 'hash' | 'lru' | 'list' | 'dispose-list';

export type LifecycleState =
  'allocated' | 'hashed' | 'on-lru' | 'unhashed' | 'final-put' | 'rcu-freed';

/** Every lifecycle state, in the order the kernel designs move an object through them. */
export const LIFECYCLE_STATES: readonly LifecycleState[] = [
  'allocated',
  'hashed',
  'on-lru',
  'unhashed',
  'final-put',
  'rcu-freed',
];

export interface Transition {
  to: LifecycleState;
  function: string;
  call: string;
  at: Location;
}

export interface HolderEvidence {
  holder: Holder;
  reason: string;
  function: string;
  at: Location;
}

export interface FinalPutSite {
  function: string;
  call: string;
  at: Location;
}

/** declared: from the type environment; field-name-guess: the only struct with that counter field. */
export type TypeSource = 'declared' | 'field-name-guess';

export interface ObjectLifecycle {
  type: string;
  refField: string;
  /** Set when the object's type rests on a field-name guess only (no declared type seen). */
  typeSource?: TypeSource;
  /**
   * Counters of the same struct that are inc/dec'd but never guard a release (in-flight or
   * usage counts): kept apart, never treated as references.
   */
  usageCounters?: string[];
  refKind: 'refcount_t' | 'kref' | 'atomic_t';
  holders: HolderEvidence[];
  transitions: Transition[];
  finalPutSites: FinalPutSite[];
  /** Initial reference count values seen at allocation (refcount_set / kref_init). */
  initialCounts: number[];
  /** Functions that get/put references to this type (direct or derived wrappers). */
  getters: string[];
  putters: string[];
  /** Release work reached from each entry context, through this object's final put or teardown. */
  releasePaths: ReleasePath[];
  /** How the object's LRU is run (its reference, who takes entries off it, how collected entries go). */
  lru?: LruDesign;
}

/** An object's LRU as the code runs it (analysis/lruDesign.ts). */
export interface LruDesign {
  /**
   * How the LRU gets the reference it holds: a get next to the insertion, or the caller's
   * last reference handed over (inserted only where a count test says it is the last).
   */
  reference?: {
    how: 'get-at-insert' | 'last-reference-handed-over';
    /** Ends at the insertion; through the call site holding the count test for a hand-over. */
    chain: ChainStep[];
    /** The get taken next to the insertion. */
    get?: { call: string; at: Location };
  };
  /** Functions running in an LRU walk's isolate callback that take entries off the LRU. */
  isolators: LruIsolator[];
  /** Functions walking the LRU with a callback that collects entries, and what they do with them. */
  collectors: LruCollector[];
}

/** Which entries an isolate step takes, by what the count tests on its path say (count-read: a count read or a helper test of the entry, direction unknown). */
export type LruEntries = 'last-reference' | 'in-use' | 'count-read' | 'any';

export interface LruIsolation {
  entries: LruEntries;
  /** disposed: handed to a dispose list or freed after the isolate; taken-off: only removed. */
  fate: 'disposed' | 'taken-off';
  /** Count and flag tests the isolate runs under, line-free (as ReleasePath.conditions). */
  guards: string[];
  /** The flag-bit tests among `guards` (an entry referenced since the last walk is skipped). */
  flags: string[];
  call: string;
  at: Location;
  /** The call disposing of the entry, when `fate` is disposed. */
  disposedBy?: { call: string; at: Location };
}

export interface LruIsolator {
  function: string;
  /** Functions passing it (or a callback calling it) to an LRU walk. */
  walkers: string[];
  isolations: LruIsolation[];
}

export interface LruCollector {
  walker: string;
  callback: string;
  /** The walk call and where. */
  walk: string;
  at: Location;
  /** synchronous: the walker's call releases the collected entries inline; queued: only through a deferral. */
  disposal: 'synchronous' | 'queued';
  /** Release work the walker reaches inline (synchronous) or deferred (queued). */
  release: ReleaseKind[];
}

export type FindingKind =
  'ref-leak' | 'double-put' | 'sleep-in-atomic' | 'unchecked-conditional-get' | 'unhash-race';

export interface Finding {
  kind: FindingKind;
  severity: 'error' | 'warning' | 'info';
  function: string;
  message: string;
  at: Location;
  /** Evidence: the path (for balance) or chain (for atomic sleeps). */
  related: { message: string; at: Location }[];
  /** 'guess' when the evidence rests on something the analysis could not show; never an error. */
  confidence: 'confident' | 'guess';
  /** What a guess rests on (an unresolved callee, a loop whose iterations may differ, ...). */
  guesses: string[];
}

export interface CallEdge {
  caller: string;
  callee: string;
  /** call: inline; defer: later, in `context`; callback: inline in a nested context; register: binds only. */
  kind: 'call' | 'defer' | 'callback' | 'register';
  /** For defer/register edges: the context the callee starts. */
  context?: ContextKind;
  at: Location;
  /**
   * Indirect calls (`x->ops->fn()`): resolved through the ops struct type of the expression,
   * or, when that type is unknown, through every binding of a field of that name (a guess).
   */
  resolvedBy?: 'type' | 'field-name';
}

export interface ProgramModel {
  modelVersion: number;
  files: ParseReport[];
  functions: FunctionSummary[];
  entryPoints: EntryPoint[];
  edges: CallEdge[];
  objects: ObjectLifecycle[];
  findings: Finding[];
  /**
   * Calls on an object's release side into functions defined outside the analysed
   * files with no summary (no tree index, no shipped helper fact): not followed.
   */
  notFollowed?: NotFollowedCall[];
}

/** A call handing an object to a function the analysis could not follow. */
export interface NotFollowedCall {
  callee: string;
  /** The caller. */
  function: string;
  objectType: string;
  /** The argument text (`nf->nf_file`). */
  argument: string;
  at: Location;
}
