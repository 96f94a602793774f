// The CLI's readable report of one analysis.
import { CONTEXT_LABELS, type ProgramModel, type ReleasePath } from '../model';
import { basename, chainText, where } from './format';

export function textReport(model: ProgramModel, options: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  const fnCount = model.files.reduce((n, f) => n + f.functions, 0);
  const errCount = model.files.reduce((n, f) => n + f.functionsWithErrors, 0);
  const analysed = model.files.filter((f) => !f.skipped);
  out.push(
    `Analysed ${analysed.length} file${analysed.length === 1 ? '' : 's'}, ${fnCount} functions` +
      ` (${errCount} with parse errors${fnCount ? `, ${((100 * errCount) / fnCount).toFixed(1)}%` : ''}).`,
  );
  for (const f of model.files) {
    for (const p of f.problems) out.push(`  ${f.file}: ${p}`);
    if (f.skipped) out.push(`  skipped ${f.file}: ${f.skipped}`);
    else if (f.functionsWithErrors)
      out.push(
        `  ${f.file}: ${f.functionsWithErrors} of ${f.functions} functions have parse errors (${f.errorFunctions.join(', ')})`,
      );
  }
  for (const o of model.objects) {
    out.push('', `Object struct ${o.type} (refcount ${o.refField}, ${o.refKind})`);
    if (o.initialCounts.length) out.push(`  initial count: ${o.initialCounts.join(', ')}`);
    out.push(
      `  get: ${o.getters.join(', ') || '(none derived)'}`,
      `  put: ${o.putters.join(', ') || '(none derived)'}`,
    );
    out.push('  reference holders:');
    for (const h of o.holders) out.push(`    ${h.holder.padEnd(12)} ${h.reason} [${where(h.at)}]`);
    out.push('  lifecycle transitions:');
    const byState = new Map<string, string[]>();
    for (const t of o.transitions)
      byState.set(t.to, [
        ...(byState.get(t.to) ?? []),
        `${t.function} (${t.call}, ${where(t.at)})`,
      ]);
    for (const [state, list] of byState)
      out.push(`    ${state.padEnd(12)} ${[...new Set(list)].join('; ')}`);
    out.push('  final-put sites:');
    for (const s of o.finalPutSites) out.push(`    ${s.function}() ${s.call}() [${where(s.at)}]`);
    out.push('  final close: release work by entry context');
    out.push(...releaseTable(o.releasePaths, options.verbose ?? false));
    // Release work handed to callees nobody could follow: said, never an empty section.
    for (const n of (model.notFollowed ?? []).filter((n) => n.objectType === o.type))
      out.push(
        `    releases through ${n.callee}(${n.argument}) in ${n.function}() [${where(n.at)}], defined outside the analysed files: not followed`,
      );
  }
  if (model.findings.length) {
    out.push('', `Findings (${model.findings.length}):`);
    for (const f of model.findings) {
      out.push(
        `  ${f.severity.padEnd(7)} ${basename(f.at.file)}:${f.at.line} [${f.kind}] ${f.message}`,
      );
      if (options.verbose && f.related.length)
        out.push(`          path: ${f.related.map((r) => r.at.line).join(' -> ')}`);
    }
  } else out.push('', 'No findings.');
  return out.join('\n') + '\n';
}

/** One line per (context, entry): release kinds inline vs deferred, then the evidence chain. */
function releaseTable(paths: ReleasePath[], verbose: boolean): string[] {
  const out: string[] = [];
  const groups = new Map<string, ReleasePath[]>();
  for (const p of paths) {
    if (p.entryContext === 'process' && !verbose && !p.viaFinalPut) continue;
    const k = `${p.entryContext}|${p.entry}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  const sorted = [...groups.entries()].sort(([a], [b]) => {
    const pa = a.startsWith('process|') ? 1 : 0;
    const pb = b.startsWith('process|') ? 1 : 0;
    return pa - pb || a.localeCompare(b);
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
