// b4 0.16's review hooks, written from a comparison: the agent's per-patch
// review file (the patch's diff quoted with "> ", each behaviour change as an
// unquoted comment right after the diff line that causes it), the series
// note, and the structured `details` list its check view renders per entry.
import type { FunctionSummary, Location, ProgramModel } from '../model';
import type { BehaviourChange, ComparisonResult } from '../compare/compareTypes';
import { chainLines, changeHeadline } from '../mail/findingText';
import { wrap } from './format';

/** One line of a unified diff (git diff / git format-patch), with its position. */
export interface DiffLine {
  text: string;
  kind: 'meta' | 'hunk' | 'add' | 'del' | 'context';
  /** Path in the after revision (before revision for a deleted file). */
  file?: string;
  oldFile?: string;
  oldLine?: number;
  newLine?: number;
}

export function parseUnifiedDiff(diff: string): DiffLine[] {
  const out: DiffLine[] = [];
  let file: string | undefined;
  let oldFile: string | undefined;
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  const lines = diff.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const text of lines) {
    if (text.startsWith('diff --git ')) {
      const m = /^diff --git a\/(\S+) b\/(\S+)$/.exec(text);
      oldFile = m?.[1];
      file = m?.[2];
      inHunk = false;
      out.push({ text, kind: 'meta' });
      continue;
    }
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      inHunk = true;
      out.push({ text, kind: 'hunk', file, oldFile });
      continue;
    }
    if (!inHunk || text.startsWith('\\')) {
      out.push({ text, kind: 'meta', file, oldFile });
      continue;
    }
    if (text.startsWith('+')) out.push({ text, kind: 'add', file, oldFile, newLine: newLine++ });
    else if (text.startsWith('-'))
      out.push({ text, kind: 'del', file, oldFile, oldLine: oldLine++ });
    else if (text.startsWith(' ') || text === '')
      out.push({ text, kind: 'context', file, oldFile, oldLine: oldLine++, newLine: newLine++ });
    else {
      inHunk = false;
      out.push({ text, kind: 'meta', file, oldFile });
    }
  }
  return out;
}

const onNew = (l: DiffLine, at: Location) => l.file === at.file && l.newLine === at.line;
const onOld = (l: DiffLine, at: Location) => l.oldFile === at.file && l.oldLine === at.line;

function span(model: ProgramModel, name: string | undefined): FunctionSummary | undefined {
  return name ? model.functions.find((f) => f.name === name) : undefined;
}

const inSpan = (line: number | undefined, f: FunctionSummary) =>
  line !== undefined && line >= f.span.line && line <= f.span.endLine;

/**
 * Index of the diff line that causes `change`, or undefined when no line of
 * this diff does. In order: a line the after-side evidence runs through that
 * the patch adds; one the before-side evidence ran through that it removes;
 * the first changed line inside the changed function (after, then before);
 * inside a function of the after chain; an unchanged line on either chain.
 */
export function anchorChange(
  change: BehaviourChange,
  lines: DiffLine[],
  result: ComparisonResult,
): number | undefined {
  const after = (change.after?.chain ?? []).map((s) => s.at);
  const before = (change.before?.chain ?? []).map((s) => s.at);
  if (change.after?.at) after.push(change.after.at);
  if (change.before?.at) before.push(change.before.at);
  const find = (pred: (l: DiffLine) => boolean) => {
    const i = lines.findIndex(pred);
    return i < 0 ? undefined : i;
  };
  const inFunction = (model: ProgramModel, name: string | undefined, side: 'add' | 'del') => {
    const f = span(model, name);
    if (!f) return undefined;
    return find(
      (l) =>
        l.kind === side &&
        (side === 'add'
          ? l.file === f.file && inSpan(l.newLine, f)
          : l.oldFile === f.file && inSpan(l.oldLine, f)),
    );
  };
  // Chain order: the first step the patch touches, from the entry towards the sink.
  const firstOn = (ats: Location[], kind: DiffLine['kind'], on: typeof onNew) =>
    ats.map((at) => find((l) => l.kind === kind && on(l, at))).find((i) => i !== undefined);
  return (
    firstOn(after, 'add', onNew) ??
    firstOn(before, 'del', onOld) ??
    inFunction(result.after.model, change.function, 'add') ??
    inFunction(result.before.model, change.function, 'del') ??
    (change.after?.chain ?? [])
      .map((s) => inFunction(result.after.model, s.function, 'add'))
      .find((i) => i !== undefined) ??
    firstOn(after, 'context', onNew) ??
    firstOn(before, 'context', onOld)
  );
}

/** The comment for one change: headline, title, both chains. Never starts a line with '>'. */
export function changeComment(c: BehaviourChange): string[] {
  const out = [
    ...wrap(`Lifecycle Lens ${c.code} (${c.severity}): ${c.title}`, 72, '', '  ').split('\n'),
  ];
  if (c.from !== undefined || c.to !== undefined)
    out.push(`  was: ${c.from ?? '-'}`, `  now: ${c.to ?? '-'}`);
  for (const [side, ev] of [
    ['before', c.before],
    ['after', c.after],
  ] as const) {
    if (!ev) continue;
    out.push(`  ${side}: ${ev.summary}`);
    out.push(...chainLines(ev.chain, '    '));
  }
  return out;
}

export interface PatchReview {
  /** The NNNN.txt text. */
  text: string;
  /** Changes with the diff line each was placed after (undefined: in the note). */
  placed: { change: BehaviourChange; line?: string }[];
}

/**
 * b4's NNNN.txt: a note, then every line of `diff` quoted with "> ", each
 * behaviour change as unquoted lines right after the diff line causing it.
 * Changes no diff line causes are listed in the note.
 */
export function b4PatchReview(diff: string, result: ComparisonResult): PatchReview {
  const lines = parseUnifiedDiff(diff);
  const after = new Map<number, BehaviourChange[]>();
  const placed: PatchReview['placed'] = [];
  const unplaced: BehaviourChange[] = [];
  for (const c of result.changes) {
    const i = anchorChange(c, lines, result);
    if (i === undefined) {
      unplaced.push(c);
      placed.push({ change: c });
    } else {
      after.set(i, [...(after.get(i) ?? []), c]);
      placed.push({ change: c, line: lines[i].text });
    }
  }
  const n = result.changes.length;
  const note = [
    n
      ? `Lifecycle Lens: ${n} behaviour change${n === 1 ? '' : 's'} in this patch` +
        ` (${result.before.label} -> ${result.after.label}).`
      : `Lifecycle Lens: no lifecycle or execution-context behaviour changes in this patch.`,
  ];
  if (unplaced.length) {
    note.push('', 'Not caused by a single line of this diff:');
    for (const c of unplaced) note.push('', ...changeComment(c));
  }
  const out = [...note, ''];
  lines.forEach((l, i) => {
    out.push(`> ${l.text}`);
    const cs = after.get(i);
    if (cs) for (const c of cs) out.push('', ...changeComment(c), '');
  });
  return { text: out.join('\n') + '\n', placed };
}

/** b4's series.txt: a one-line summary, a blank line, then the changes patch by patch. */
export function b4SeriesReview(
  patches: { subject: string; result?: ComparisonResult; skipped?: string }[],
  whole?: ComparisonResult,
): string {
  const total = patches.reduce((n, p) => n + (p.result?.changes.length ?? 0), 0);
  const head = total
    ? `Lifecycle Lens: ${total} behaviour change${total === 1 ? '' : 's'} in ${patches.filter((p) => p.result?.changes.length).length} of ${patches.length} patches`
    : `Lifecycle Lens: no lifecycle or execution-context behaviour changes in ${patches.length} patch${patches.length === 1 ? '' : 'es'}`;
  const body: string[] = [];
  patches.forEach((p, i) => {
    const label = `${String(i + 1).padStart(4, '0')} ${p.subject}`;
    if (p.skipped) body.push(`${label}: not reviewed (${p.skipped})`);
    else if (!p.result?.changes.length) body.push(`${label}: no behaviour changes`);
    else {
      body.push(`${label}:`);
      for (const c of p.result.changes) body.push(wrap(`- ${changeHeadline(c)}`, 72, '  ', '    '));
    }
  });
  if (whole && whole.changes.length) {
    body.push(
      '',
      `The whole series (${whole.before.label} -> ${whole.after.label}): ${whole.changes.length} change${whole.changes.length === 1 ? '' : 's'}`,
    );
    for (const c of whole.changes) body.push(wrap(`- ${c.code}: ${c.title}`, 72, '  ', '    '));
  }
  return `${head}\n\n${body.join('\n')}\n`;
}

/** One entry of a b4 check result's `details` list, with the fields b4's view reads. */
export interface B4CheckDetail {
  status: 'pass' | 'warn' | 'fail';
  context: string;
  state: string;
  description: string;
  url: string;
  srcline: string;
}

export const b4Status = (c: BehaviourChange): B4CheckDetail['status'] =>
  c.severity === 'error' ? 'fail' : 'warn';

/** One detail entry per behaviour change; srcline is the diff line causing it, when known. */
export function b4CheckDetails(result: ComparisonResult, diff?: string): B4CheckDetail[] {
  const lines = diff ? parseUnifiedDiff(diff) : [];
  return result.changes.map((c) => {
    const i = lines.length ? anchorChange(c, lines, result) : undefined;
    const at = c.after?.at ?? c.after?.chain[0]?.at ?? c.before?.at;
    return {
      status: b4Status(c),
      context: `${c.code} ${c.rule}`,
      state: c.severity,
      description:
        `${c.function}(): ${c.title}` +
        (c.from || c.to ? ` [${c.from ?? '-'} -> ${c.to ?? '-'}]` : ''),
      url: '',
      srcline:
        i !== undefined
          ? `${lines[i].file ?? ''}: ${lines[i].text}`
          : at
            ? `${at.file}:${at.line}`
            : '',
    };
  });
}

/** The diff part of a patch mail: from the first `diff --git` to the signature (`-- `). */
export function patchDiff(mail: string): string {
  const start = mail.search(/^diff --git /m);
  if (start < 0) return '';
  const rest = mail.slice(start);
  const sig = rest.search(/^-- $/m);
  return sig < 0 ? rest : rest.slice(0, sig);
}
