// Text and JSON for a series whose versions sit on different bases: each
// version with its base, the hunks skipped, base -> first version, then per
// step the changes in the series and, apart, those that came from the base.
import type { BehaviourChange } from '../compare/compareTypes';
import type { RebasedSeries, VersionBase } from '../compare/rebasedSeries';
import { changeBlock, comparisonText } from './compareText';
import { followUpLines } from './followUpText';
import { comparisonDocument } from './compareJson';
import { TOOL_VERSION } from './jsonReport';
import { COMPARISON_VERSION } from '../compare/compareTypes';

function baseText(b: VersionBase): string {
  const commit = b.commit && b.commit !== b.spec ? ` = ${b.commit.slice(0, 12)}` : '';
  return `${b.from} ${b.spec}${commit}`;
}

function block(title: string, changes: BehaviourChange[], explain: boolean): string[] {
  const out = [`${title}: ${changes.length}`];
  changes.forEach((c, i) => out.push('', changeBlock(c, i + 1, { explain })));
  return out;
}

export function rebasedSeriesText(s: RebasedSeries, options: { explain?: boolean } = {}): string {
  const explain = options.explain ?? false;
  const out: string[] = [];
  s.versions.forEach((v, i) => {
    out.push(`${v.label}: ${v.coverSubject ?? `${v.patches.length} patches`}`);
    out.push(`  base: ${baseText(s.bases[i])}`);
    for (const p of v.patches) out.push(`  ${p.subject}`);
  });
  if (s.skipped.length) {
    out.push('', `Skipped (files the base does not have): ${s.skipped.length}`);
    for (const k of s.skipped)
      out.push(
        `  ${k.version} "${k.patch}": ${k.file}, ${k.hunks} hunk${k.hunks === 1 ? '' : 's'} (${k.reason})`,
      );
  }
  out.push('', comparisonText(s.first, { explain }).trimEnd());
  for (const step of s.steps) {
    const head = `${step.from} -> ${step.to}`;
    out.push('', head, '='.repeat(head.length), '');
    out.push(...block('Changes in the series', step.inSeries, explain));
    if (step.baseDrift) {
      out.push(
        '',
        ...block(
          `Changes that came from the base (${step.baseDrift.before.label} -> ${step.baseDrift.after.label})`,
          step.fromBase,
          explain,
        ),
      );
      if (step.baseHidden.length)
        out.push(
          '',
          ...block(
            `Base changes ${step.to} does not show (the series undoes or replaces them)`,
            step.baseHidden,
            explain,
          ),
        );
    } else out.push('', `No base drift: ${step.from} and ${step.to} have the same base.`);
    if (step.followUp) out.push('', ...followUpLines(step.followUp));
  }
  return out.join('\n') + '\n';
}

/** The JSON document: the usual `series` (base -> v1, then each version -> the next) plus the split. */
export function rebasedSeriesDocument(s: RebasedSeries) {
  return {
    tool: 'lifecycle-lens' as const,
    toolVersion: TOOL_VERSION,
    schemaVersion: COMPARISON_VERSION,
    series: {
      base: baseText(s.bases[0]),
      versions: s.versions,
      comparisons: [s.first, ...s.steps.map((x) => x.total)],
    },
    bases: s.bases,
    skipped: s.skipped,
    steps: s.steps.map((x) => ({
      from: x.from,
      to: x.to,
      inSeries: x.inSeries,
      fromBase: x.fromBase,
      baseHidden: x.baseHidden,
      ...(x.baseDrift ? { baseDrift: comparisonDocument(x.baseDrift).comparison.changes } : {}),
      ...(x.followUp ? { followUp: x.followUp } : {}),
    })),
  };
}
