// vscode-free presentation of a ComparisonResult: the "Behaviour changes" tree
// and the lines to decorate on each side of the diff editor.
import type { BehaviourChange, ComparisonResult, Evidence } from '../core/compare/compareTypes';
import type { Location } from '../core/model';
import { basename, shorten, TITLE_MAX, type TreeNodeSpec } from './present';

export type Side = 'before' | 'after';

export interface LineMark {
  side: Side;
  file: string;
  /** 1-based. */
  line: number;
  severity: BehaviourChange['severity'];
  message: string;
  /** The line is the one the change is anchored on (vs a step of the chain). */
  primary: boolean;
}

function evidenceLocations(
  e: Evidence | undefined,
): { at: Location; primary: boolean; what: string }[] {
  if (!e) return [];
  const out: { at: Location; primary: boolean; what: string }[] = [];
  if (e.at) out.push({ at: e.at, primary: true, what: e.summary });
  e.chain.forEach((s, i) =>
    out.push({
      at: s.at,
      primary: !e.at && i === e.chain.length - 1,
      what: `${s.function}() → ${s.call}() (${s.via})`,
    }),
  );
  return out;
}

/** Lines to decorate, deduplicated per side/file/line (the most severe change wins the colour). */
export function changeMarks(result: ComparisonResult): LineMark[] {
  const rank = { error: 0, warning: 1, note: 2 } as const;
  const marks = new Map<string, LineMark>();
  for (const c of result.changes)
    for (const side of ['before', 'after'] as const)
      for (const l of evidenceLocations(c[side])) {
        const k = `${side}|${l.at.file}|${l.at.line}`;
        const msg = `${c.code} ${c.title}${l.primary ? '' : ` — ${l.what}`}`;
        const prev = marks.get(k);
        if (!prev) {
          marks.set(k, {
            side,
            file: l.at.file,
            line: l.at.line,
            severity: c.severity,
            message: msg,
            primary: l.primary,
          });
        } else {
          if (rank[c.severity] < rank[prev.severity]) prev.severity = c.severity;
          prev.primary ||= l.primary;
          if (!prev.message.includes(msg)) prev.message += `\n${msg}`;
        }
      }
  return [...marks.values()];
}

function evidenceNode(side: Side, label: string, e: Evidence): TreeNodeSpec {
  return {
    label: shorten(`${label}: ${e.summary}`, TITLE_MAX),
    tooltip: `${label}: ${e.summary}`,
    at: e.at ?? e.chain[e.chain.length - 1]?.at,
    icon: side === 'before' ? 'arrow-left' : 'arrow-right',
    contextValue: `evidence-${side}`,
    expanded: true,
    children: e.chain.map((s) => ({
      label: shorten(`${s.function}() → ${s.call}()`, TITLE_MAX),
      tooltip: `${s.function}() → ${s.call}() (${s.via}, ${basename(s.at.file)}:${s.at.line})`,
      description: `${s.via} · ${basename(s.at.file)}:${s.at.line}`,
      at: s.at,
      icon: 'debug-stackframe',
      contextValue: `step-${side}`,
    })),
  };
}

/** Tree nodes for the "Behaviour changes" view. `at` is tagged with its side in contextValue. */
export function changeTree(result: ComparisonResult): TreeNodeSpec[] {
  if (!result.changes.length)
    return [
      {
        label: `No behaviour change between ${result.before.label} and ${result.after.label}`,
        icon: 'pass',
      },
    ];
  return result.changes.map((c) => {
    const children: TreeNodeSpec[] = [
      { label: shorten(c.explanation, TITLE_MAX), tooltip: c.explanation, icon: 'info' },
    ];
    if (c.from || c.to)
      children.push({
        label: shorten(`${c.from ?? '—'} → ${c.to ?? '—'}`, TITLE_MAX),
        tooltip: `${c.from ?? '—'} → ${c.to ?? '—'}`,
        icon: 'arrow-swap',
      });
    if (c.before) children.push(evidenceNode('before', result.before.label, c.before));
    if (c.after) children.push(evidenceNode('after', result.after.label, c.after));
    const at = c.after?.at ?? c.after?.chain[0]?.at ?? c.before?.at ?? c.before?.chain[0]?.at;
    return {
      label: shorten(`${c.code} ${c.title}`, TITLE_MAX),
      description: c.function + (c.entryContext ? ` · ${c.entryContext}` : ''),
      tooltip: `${c.title}\n\n${c.explanation}`,
      icon: c.severity === 'error' ? 'error' : c.severity === 'warning' ? 'warning' : 'info',
      at,
      contextValue: c.after ? 'change-after' : 'change-before',
      expanded: false,
      children,
    };
  });
}

/**
 * The output channel's account of a comparison: a heading, then one block per
 * change (code, severity, title; function and context; from -> to; explanation).
 */
export function changeLog(title: string, result: ComparisonResult): string {
  const n = result.changes.length;
  const out = [`compare ${title}: ${n} behaviour change${n === 1 ? '' : 's'}`];
  result.changes.forEach((c, i) => {
    out.push('', `  ${i + 1}. ${c.code} [${c.severity}] ${c.title}`);
    out.push(
      `     in ${c.function}()${c.entryContext ? ` · entry context ${c.entryContext}` : ''}`,
    );
    if (c.from || c.to) out.push(`     ${c.from ?? '—'} → ${c.to ?? '—'}`);
    out.push(`     ${c.explanation}`);
  });
  return out.join('\n');
}
