// The CLI's readable report of one analysis.
import {
  CONTEXT_KINDS,
  CONTEXT_LABELS,
  type ContextKind,
  type ProgramModel,
  type ReleasePath,
} from '../model';

const byContext = (a: ContextKind, b: ContextKind) =>
  CONTEXT_KINDS.indexOf(a) - CONTEXT_KINDS.indexOf(b);
import { basename, chainText, where } from './format';

export function textReport(
  model: ProgramModel,
  options: { verbose?: boolean; hiddenGuesses?: number } = {},
): string {
  const out: string[] = [];
  const fnCount = model.files.reduce((n, f) => n + f.functions, 0);
  const errCount = model.files.reduce((n, f) => n + f.functionsWithErrors, 0);
  const analysed = model.files.filter((f) => !f.skipped);
  out.push(
    `Analysed ${analysed.length} file${analysed.length === 1 ? '' : 's'}, ${fnCount} function${fnCount === 1 ? '' : 's'}` +
      ` (${errCount} with parse errors${fnCount ? `, ${((100 * errCount) / fnCount).toFixed(1)}%` : ''}).`,
  );
  for (const f of model.files) {
    for (const p of f.problems) out.push(`  ${f.file}: ${p}`);
    if (f.skipped) out.push(`  skipped ${f.file}: ${f.skipped}`);
    else if (f.functionsWithErrors)
      out.push(
        `  ${f.file}: ${f.functionsWithErrors} of ${f.functions} function${f.functions === 1 ? '' : 's'} ${f.functionsWithErrors === 1 ? 'has' : 'have'} parse errors (${f.errorFunctions.join(', ')})`,
      );
  }
  for (const o of model.objects) {
    out.push('', `Object struct ${o.type} (refcount ${o.refField}, ${o.refKind})`);
    if (o.initialCounts.length) out.push(`  initial count: ${o.initialCounts.join(', ')}`);
    out.push(
      `  get: ${o.getters.join(', ') || '(none derived)'}`,
      `  put: ${o.putters.join(', ') || '(none derived)'}`,
    );
    // Headings only over something: an empty list prints nothing at all.
    if (o.holders.length) out.push('  reference holders:');
    for (const h of o.holders) out.push(`    ${h.holder.padEnd(12)} ${h.reason} [${where(h.at)}]`);
    if (o.transitions.length) out.push('  lifecycle transitions:');
    const byState = new Map<string, string[]>();
    for (const t of o.transitions)
      byState.set(t.to, [
        ...(byState.get(t.to) ?? []),
        `${t.function} (${t.call}, ${where(t.at)})`,
      ]);
    for (const [state, list] of byState)
      out.push(`    ${state.padEnd(12)} ${[...new Set(list)].join('; ')}`);
    if (o.finalPutSites.length) out.push('  final-put sites:');
    for (const s of o.finalPutSites) out.push(`    ${s.function}() ${s.call}() [${where(s.at)}]`);
    const table = releaseTable(o.releasePaths, options.verbose ?? false);
    // Release work handed to callees nobody could follow: said, never an empty section.
    const unfollowed = (model.notFollowed ?? [])
      .filter((n) => n.objectType === o.type)
      .map(
        (n) =>
          `    releases through ${n.callee}(${n.argument}) in ${n.function}() [${where(n.at)}], defined outside the analysed files: not followed`,
      );
    if (table.length || unfollowed.length)
      out.push('  final close: release work by entry context', ...table, ...unfollowed);
  }
  if (model.findings.length) {
    out.push('', `Findings (${model.findings.length}):`);
    for (const f of model.findings) {
      out.push(
        `  ${f.severity.padEnd(7)} ${basename(f.at.file)}:${f.at.line} [${f.kind}] ${f.message}`,
      );
      if (options.verbose && f.related.length)
        out.push(`          path: ${f.related.map((r) => r.at.line).join(' -> ')}`);
      if (f.confidence === 'guess') out.push(`          guess: ${f.guesses.join('; ')}`);
    }
  } else out.push('', 'No findings.');
  if (options.hiddenGuesses)
    out.push(
      `(${options.hiddenGuesses} more finding(s) rest on a guess and are hidden; --all-findings shows them)`,
    );
  return out.join('\n') + '\n';
}

/**
 * One line per (context, entry): release kinds inline vs deferred, then the
 * evidence chain. Every entry context is named in the summary line; without
 * --verbose only the process-context entries beyond the first six are left
 * out (those through a final put first), and each line reads the same either way.
 */
function releaseTable(paths: ReleasePath[], verbose: boolean): string[] {
  const out: string[] = [];
  const groups = new Map<string, ReleasePath[]>();
  for (const p of paths) {
    const k = `${p.entryContext}|${p.entry}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  const perContext = new Map<string, number>();
  for (const [, list] of groups)
    perContext.set(list[0].entryContext, (perContext.get(list[0].entryContext) ?? 0) + 1);
  if (perContext.size)
    out.push(
      `    entry contexts: ${[...perContext]
        .sort(([a], [b]) => byContext(a as ContextKind, b as ContextKind))
        .map(([c, n]) => `${c} (${n})`)
        .join(', ')}`,
    );
  const viaFinalPut = (list: ReleasePath[]) => (list.some((p) => p.viaFinalPut) ? 0 : 1);
  const sorted = [...groups.entries()].sort(([a, la], [b, lb]) => {
    const pa = a.startsWith('process|') ? 1 : 0;
    const pb = b.startsWith('process|') ? 1 : 0;
    return pa - pb || viaFinalPut(la) - viaFinalPut(lb) || a.localeCompare(b);
  });
  let processShown = 0;
  for (const [, list] of sorted) {
    const first = list[0];
    if (first.entryContext === 'process' && !verbose && ++processShown > 6) continue;
    const inline = [...new Set(list.filter((p) => p.mode === 'inline').map((p) => p.release))];
    const deferred = list.filter((p) => p.mode === 'deferred');
    const parts: string[] = [];
    if (inline.length) parts.push(`INLINE ${inline.join(', ')}`);
    const byCtx = new Map<string, Set<string>>();
    for (const d of deferred)
      byCtx.set(d.runsIn, (byCtx.get(d.runsIn) ?? new Set()).add(d.release));
    for (const [c, r] of byCtx) parts.push(`deferred to ${c}: ${[...r].join(', ')}`);
    out.push(`    ${first.entryContext.padEnd(12)} ${first.entry}(): ${parts.join('; ')}`);
    out.push(`      (${CONTEXT_LABELS[first.entryContext]})`);
    const show = list
      .filter((p) => p.mode === 'inline' && (p.release === 'fsync' || p.release === 'flush'))
      .slice(0, 1);
    for (const p of show.length ? show : list.slice(0, 1))
      out.push(`      e.g. ${chainText(p.chain)}`);
  }
  if (processShown > 6)
    out.push(
      `    ... and ${processShown - 6} more process-context entry points (--verbose lists them)`,
    );
  return out;
}
