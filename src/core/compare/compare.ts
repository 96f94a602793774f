// Compares two analysed revisions: matches functions (names, then renames by
// body) and runs every behaviour-change rule.
import { COMPARISON_VERSION, type ComparisonResult, type RevisionInfo } from './compareTypes';
import { matchFunctions } from './matchFunctions';
import { RULES } from './rules';

const SEVERITY_ORDER = { error: 0, warning: 1, note: 2 } as const;

export function compareModels(before: RevisionInfo, after: RevisionInfo): ComparisonResult {
  const { matches, renamed } = matchFunctions(before.model.functions, after.model.functions);
  const normalize = (name: string) => renamed.get(name) ?? name;
  const ctx = { before: before.model, after: after.model, normalize };
  const changes = RULES.flatMap((r) => r.check(ctx)).sort(
    (a, b) =>
      RULES.findIndex((r) => r.meta.id === a.rule) - RULES.findIndex((r) => r.meta.id === b.rule) ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.function.localeCompare(b.function) ||
      a.title.localeCompare(b.title),
  );
  return { comparisonVersion: COMPARISON_VERSION, before, after, matches, changes };
}
