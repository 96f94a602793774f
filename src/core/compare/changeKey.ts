// A stable key per behaviour change, without line numbers: what triage files
// and series attribution match changes by across runs and revisions.
import type { BehaviourChange } from './compareTypes';

export function changeKey(c: BehaviourChange): string {
  const parts = [
    c.code,
    c.object ?? '',
    c.function,
    c.entryContext ?? '',
    c.entry ?? '',
    c.from ?? '',
    c.to ?? '',
    (c.release ?? []).join('+'),
  ];
  // Grouped items (LL7) are identified by their group, not their folded list.
  if (c.rule === 'entry-points') parts.push(c.title.replace(/:.*$/, ''));
  return parts.join('|').replace(/\s+/g, ' ');
}
