// A patch series whose versions sit on different bases: the result types, and
// how the changes between two versions are split into those the base drift
// explains and those the series itself made.
import type { BehaviourChange, ComparisonResult, SeriesVersion } from './compareTypes';
import type { FollowUp } from './raisedChanges';

/** A base as the command line names it. */
export type BaseSpec = { dir: string } | { rev: string };

export interface VersionBase {
  /** How this version's base was named. */
  from: 'folder' | 'revision' | 'base-commit trailer';
  spec: string;
  /** The resolved commit, for revisions and trailers. */
  commit?: string;
}

/** A file of a patch left out because the base does not have it. */
export interface SkippedFile {
  version: string;
  patch: string;
  file: string;
  hunks: number;
  reason: string;
}

export interface SeriesStep {
  from: string;
  to: string;
  /** (base(vN-1) + vN-1) -> (base(vN) + vN): everything that differs. */
  total: ComparisonResult;
  /** base(vN-1) -> base(vN); absent when both versions have the same base. */
  baseDrift?: ComparisonResult;
  /** Changes of `total` the base drift does not explain: the series' own. */
  inSeries: BehaviourChange[];
  /** Changes of `total` the base drift explains (the same change, same from and to). */
  fromBase: BehaviourChange[];
  /** Base-drift changes that do not show in `total` (the new version undoes or replaces them). */
  baseHidden: BehaviourChange[];
  /** With replies to the earlier version: what the later one did with each change they raised. */
  followUp?: FollowUp;
}

export interface RebasedSeries {
  versions: SeriesVersion[];
  bases: VersionBase[];
  /** base(v1) -> v1. */
  first: ComparisonResult;
  steps: SeriesStep[];
  skipped: SkippedFile[];
}

/** The identity of a change for matching across comparisons (no line numbers). */
function changeKey(c: BehaviourChange): string {
  return [c.rule, c.function, c.entry, c.entryContext, c.from, c.to, c.release?.join(',')].join(
    '|',
  );
}

/** Splits `total` into what `drift` explains and what it does not. */
export function separateBaseDrift(
  total: ComparisonResult,
  drift: ComparisonResult | undefined,
): Pick<SeriesStep, 'inSeries' | 'fromBase' | 'baseHidden'> {
  if (!drift) return { inSeries: total.changes, fromBase: [], baseHidden: [] };
  const fromDrift = new Set(drift.changes.map(changeKey));
  const inTotal = new Set(total.changes.map(changeKey));
  return {
    inSeries: total.changes.filter((c) => !fromDrift.has(changeKey(c))),
    fromBase: total.changes.filter((c) => fromDrift.has(changeKey(c))),
    baseHidden: drift.changes.filter((c) => !inTotal.has(changeKey(c))),
  };
}
