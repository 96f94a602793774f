// The result of comparing two revisions: behaviour changes with evidence from
// both sides. Serialised by reports (JSON, SARIF, Markdown, review mail) and
// shown by the extension and the webview.
import type { ChainStep, ContextKind, Location, ProgramModel, ReleaseKind } from '../model';

export const COMPARISON_VERSION = 1;

export type RuleId =
  | 'release-context' // LL1: release work runs in a different context for an entry point
  | 'reference-ownership' // LL2: who holds references changed
  | 'final-put-sites' // LL3: final-put sites added/removed, get/put balance changed
  | 'hash-paths' // LL4: hash/unhash paths changed
  | 'atomic-sleep' // LL5: sleeping release work newly reachable in atomic context
  | 'deferral-mechanism' // LL6: deferral mechanism changed, or a flush moved
  | 'entry-points' // LL7: entry points added or removed
  | 'flush-context' // LL8: flush_delayed_fput() reached from a different context
  | 'annotations' // LL9: might_sleep() and lock annotations added or dropped
  | 'refcount-type' // LL10: the reference count's type or primitives changed
  | 'unsafe-free' // LL11: objects freed without their final put (others may still hold them)
  | 'release-condition' // LL12: the same release in the same context under another condition
  | 'lru-redesign'; // LL13: the LRU's reference, who may isolate in-use entries, synchronous vs queued GC

export interface RuleMeta {
  id: RuleId;
  /** Stable short code used in SARIF and mail ("LL1"). */
  code: string;
  severity: 'error' | 'warning' | 'note';
  title: string;
  /** One paragraph written for a kernel reviewer. */
  explanation: string;
  /** Still too noisy on real kernel trees to run by default (`--experimental-rules`). */
  experimental?: boolean;
}

export interface Evidence {
  /** One line: what this revision does ("defers to workqueue via nfsd_file_dispose_list_delayed"). */
  summary: string;
  chain: ChainStep[];
  at?: Location;
}

export interface BehaviourChange {
  rule: RuleId;
  code: string;
  severity: RuleMeta['severity'];
  /** One-line statement of the change, as a reviewer would write it. */
  title: string;
  /** Function the change is about (in the after revision, or before if removed). */
  function: string;
  entry?: string;
  entryContext?: ContextKind;
  /** e.g. "deferred: workqueue" -> "inline: fsnotify". */
  from?: string;
  to?: string;
  release?: ReleaseKind[];
  explanation: string;
  before?: Evidence;
  after?: Evidence;
  /** Entry points the change reaches (for ranking), and grouped items (LL7). */
  entries?: string[];
  /** Object type the change is about, when it concerns one. */
  object?: string;
  /** Series: the patch that introduced the change ("v5 3/5: subject"). */
  introducedBy?: string;
}

export interface FunctionMatch {
  before?: string;
  after?: string;
  kind: 'same' | 'renamed' | 'added' | 'removed';
  /** Body similarity for renames (0..1). */
  similarity?: number;
}

export interface RevisionInfo {
  /** "v4", "HEAD~1", a path, ... */
  label: string;
  model: ProgramModel;
}

export interface ComparisonResult {
  comparisonVersion: number;
  before: RevisionInfo;
  after: RevisionInfo;
  matches: FunctionMatch[];
  changes: BehaviourChange[];
}

/** A patch of a series, as read from an mbox. */
export interface PatchInfo {
  subject: string;
  messageId?: string;
  author?: string;
  /** "v5 3/5". */
  index?: string;
  files: string[];
}

export interface SeriesVersion {
  label: string;
  patches: PatchInfo[];
  coverSubject?: string;
  coverMessageId?: string;
}

export interface SeriesComparison {
  base: string;
  versions: SeriesVersion[];
  /** Base against the first version, then each version against the next. */
  comparisons: ComparisonResult[];
}
