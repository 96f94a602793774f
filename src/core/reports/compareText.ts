// Readable reports of a comparison: the terminal report, and the plain-text
// review summary (72 columns) that lists each behaviour change as a reviewer
// would write it.
import type {
  BehaviourChange,
  ComparisonResult,
  Evidence,
  SeriesComparison,
} from '../compare/compareTypes';
import { chainText, where, wrap } from './format';

function evidenceLines(label: string, e: Evidence | undefined, indent: string): string[] {
  if (!e) return [];
  const out = [`${indent}${label}: ${e.summary}`];
  if (e.chain.length) out.push(wrap(chainText(e.chain), 72, `${indent}  `));
  return out;
}

export function changeBlock(c: BehaviourChange, n: number, options: { explain: boolean }): string {
  const lines = [wrap(`${n}. [${c.code} ${c.severity}] ${c.title}`, 72, '', '   ')];
  if (c.from !== undefined || c.to !== undefined) {
    lines.push(`   was: ${c.from ?? '-'}`);
    lines.push(`   now: ${c.to ?? '-'}`);
  }
  if (c.introducedBy) lines.push(wrap(`patch: ${c.introducedBy}`, 72, '   ', '     '));
  if (c.entries && c.entries.length > 1 && c.rule === 'entry-points')
    lines.push(wrap(`functions: ${c.entries.map((e) => `${e}()`).join(', ')}`, 72, '   ', '     '));
  if (options.explain) lines.push(wrap(c.explanation, 72, '   '));
  lines.push(
    ...evidenceLines('before', c.before, '   '),
    ...evidenceLines('after', c.after, '   '),
  );
  return lines.join('\n');
}

/** One wrapped line group per change: the list without evidence. */
export function changeList(result: ComparisonResult): string {
  const head = `Behaviour changes from ${result.before.label} to ${result.after.label}: ${result.changes.length}`;
  const items = result.changes.map((c, i) =>
    wrap(`${i + 1}. [${c.code} ${c.severity}] ${c.title}`, 72, '', '   '),
  );
  return [head, ...items].join('\n') + '\n';
}

export function comparisonText(
  result: ComparisonResult,
  options: { explain?: boolean } = {},
): string {
  const head = `Behaviour changes from ${result.before.label} to ${result.after.label}: ${result.changes.length}`;
  const renamed = result.matches.filter((m) => m.kind === 'renamed');
  const out = [head, '='.repeat(Math.min(72, head.length))];
  if (renamed.length)
    out.push(
      `Renamed (same body, not a behaviour change): ${renamed.map((m) => `${m.before}() -> ${m.after}()`).join(', ')}`,
    );
  if (!result.changes.length)
    out.push(
      '',
      'No behaviour changes: reference handling, hashing and the contexts of release work are the same.',
    );
  result.changes.forEach((c, i) =>
    out.push('', changeBlock(c, i + 1, { explain: options.explain ?? false })),
  );
  return out.join('\n') + '\n';
}

export function seriesText(series: SeriesComparison, options: { explain?: boolean } = {}): string {
  const out: string[] = [];
  for (const v of series.versions) {
    out.push(
      `${v.label}: ${v.coverSubject ?? `${v.patches.length} patch${v.patches.length === 1 ? '' : 'es'}`}`,
    );
    for (const p of v.patches) out.push(`  ${p.subject}`);
  }
  for (const c of series.comparisons) out.push('', comparisonText(c, options).trimEnd());
  return out.join('\n') + '\n';
}

export function comparisonMarkdown(result: ComparisonResult): string {
  const esc = (s: string) => s.replace(/[\\`*_{}[\]<>|#]/g, (ch) => `\\${ch}`);
  const out = [`# Behaviour changes: ${esc(result.before.label)} → ${esc(result.after.label)}`, ''];
  if (!result.changes.length) out.push('No behaviour changes.');
  else {
    out.push('| # | Rule | Severity | Function | Was | Now |', '|---|---|---|---|---|---|');
    result.changes.forEach((c, i) =>
      out.push(
        `| ${i + 1} | ${c.code} | ${c.severity} | \`${c.function}\` | ${esc(c.from ?? '')} | ${esc(c.to ?? '')} |`,
      ),
    );
    result.changes.forEach((c, i) => {
      out.push('', `## ${i + 1}. ${esc(c.title)}`, '', c.explanation);
      for (const [label, e] of [
        ['Before', c.before],
        ['After', c.after],
      ] as const) {
        if (!e) continue;
        out.push('', `**${label}:** ${esc(e.summary)}`, '');
        for (const s of e.chain)
          out.push(
            `- \`${s.function}()\` at ${esc(where(s.at))}${s.via === 'sink' ? ` calls \`${s.call}()\`` : s.via === 'defer' ? ' (deferred)' : ''}`,
          );
      }
    });
  }
  return out.join('\n') + '\n';
}
