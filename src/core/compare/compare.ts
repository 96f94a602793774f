// Compares two analysed revisions: matches functions (names, then renames by
// body), runs every behaviour-change rule, and ranks the result: severity
// first, then how many entry points a change reaches.
import { COMPARISON_VERSION, type ComparisonResult, type RevisionInfo } from './compareTypes';
import { entryReach } from './entryReach';
import { matchFunctions } from './matchFunctions';
import { publicChange } from './publicNames';
import { RULES } from './rules';

export const SEVERITY_ORDER = { error: 0, warning: 1, note: 2 } as const;

export interface CompareModelsOptions {
  /** Also run rules marked experimental (none today). */
  experimental?: boolean;
}

export function compareModels(
  before: RevisionInfo,
  after: RevisionInfo,
  options: CompareModelsOptions = {},
): ComparisonResult {
  const { matches, renamed } = matchFunctions(before.model.functions, after.model.functions);
  const normalize = (name: string) => renamed.get(name) ?? name;
  const ctx = { before: before.model, after: after.model, normalize };
  const reachAfter = entryReach(after.model);
  const reachBefore = entryReach(before.model);
  const reach = (c: { entries?: string[]; function: string }) =>
    c.entries?.length ?? Math.max(reachAfter(c.function), reachBefore(c.function));
  const ruleIndex = (id: string) => RULES.findIndex((r) => r.meta.id === id);
  const changes = RULES.filter((r) => options.experimental || !r.meta.experimental)
    .flatMap((r) => r.check(ctx))
    .map((c) => ({ c, reach: reach(c) }))
    .sort(
      (a, b) =>
        SEVERITY_ORDER[a.c.severity] - SEVERITY_ORDER[b.c.severity] ||
        b.reach - a.reach ||
        ruleIndex(a.c.rule) - ruleIndex(b.c.rule) ||
        a.c.function.localeCompare(b.c.function) ||
        a.c.title.localeCompare(b.c.title),
    )
    .map((x) => publicChange(x.c));
  return { comparisonVersion: COMPARISON_VERSION, before, after, matches, changes };
}
