// A reply to one patch mail: threaded headers, then interleaved trimmed
// quoting of only the hunks the behaviour changes point at, each finding
// under its hunk, and a disclosure line. A human edits and sends it.
import type { BehaviourChange } from '../compare/compareTypes';
import { wrap } from '../reports/format';
import { findingProse } from './findingText';
import { neutralizeText } from './headers';
import { parsePatchBody, type PatchFile, type PatchHunk, type PatchLine } from './patchBody';
import {
  buildReplyHeaders,
  disclosureLine,
  trailerLines,
  type ReplyHeaders,
  type ReplyOptions,
} from './replyHeaders';
import type { MailMessage } from './rfc2822';

export interface ReviewDraftOptions extends ReplyOptions {
  /** Context lines kept around the lines a finding points at (default 3). */
  context?: number;
}

export interface ReviewDraft {
  headers: ReplyHeaders;
  body: string;
  /** Headers, a blank line and the body: the .eml to save, edit and send. */
  text: string;
  /** Changes that no hunk of this patch could be tied to (listed at the end of the body). */
  unplaced: BehaviourChange[];
}

interface Placed {
  file: PatchFile;
  hunk: PatchHunk;
  changes: BehaviourChange[];
}

const SNIP = '> [...]';

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function mentions(name: string): RegExp {
  return new RegExp(`(?<![A-Za-z0-9_])${escapeRe(name)}(?![A-Za-z0-9_])`);
}

/**
 * Index of the line defining `fn` in the hunk (name followed by "(" at the
 * start of a declarator): a kept or added definition first, else a deleted
 * one (the change is then about a function the patch removes).
 */
function definitionIndex(hunk: PatchHunk, fn: string): number {
  const def = new RegExp(`^[ +-](?:[A-Za-z_][^=;(]*[\\s*])?${escapeRe(fn)}\\s*\\(`);
  const isDef = (l: PatchLine) => def.test(l.text) && !/;\s*$/.test(l.text);
  const kept = hunk.lines.findIndex((l) => l.kind !== 'del' && isDef(l));
  return kept >= 0 ? kept : hunk.lines.findIndex((l) => l.kind === 'del' && isDef(l));
}

function pathMatches(patchPath: string, evidenceFile: string): boolean {
  const a = patchPath.replace(/^\.?\//, '');
  const b = evidenceFile.replace(/^\.?\//, '');
  return a === b || b.endsWith(`/${a}`) || a.endsWith(`/${b}`) || a.split('/').pop() === b;
}

/** Index of the closing "}" at column 0 at or after `from`, or the last line. */
function closingIndex(hunk: PatchHunk, from: number): number {
  let end = from;
  while (end < hunk.lines.length - 1 && !/^[ +-]\}/.test(hunk.lines[end].text)) end++;
  return end;
}

function changedWithin(hunk: PatchHunk, from: number, to: number): boolean {
  return hunk.lines.slice(from, to + 1).some((l) => l.kind === 'add' || l.kind === 'del');
}

/**
 * How well a hunk matches a change: the function defined in it with changed
 * lines in its body (5), the hunk starting inside the function per git's
 * section hint with changes before its end (4), the after-evidence line
 * inside the hunk's new-file range (3: weaker, since evidence lines are those
 * of the whole version, and later patches of the series shift them), defined
 * but unchanged (2), mentioned in a changed line (1).
 */
function score(file: PatchFile, hunk: PatchHunk, c: BehaviourChange): number {
  const def = definitionIndex(hunk, c.function);
  if (def >= 0 && changedWithin(hunk, def, closingIndex(hunk, def))) return 5;
  const re = mentions(c.function);
  if (re.test(hunk.section) && changedWithin(hunk, 0, closingIndex(hunk, 0))) return 4;
  const at = c.after?.at ?? c.after?.chain[0]?.at;
  if (
    at &&
    pathMatches(file.newPath, at.file) &&
    at.line >= hunk.newStart &&
    at.line < hunk.newStart + hunk.newLines
  )
    return 3;
  if (def >= 0) return 2;
  if (hunk.lines.some((l) => l.kind !== 'context' && re.test(l.text))) return 1;
  return 0;
}

function bestScore(files: PatchFile[], c: BehaviourChange): number {
  let best = 0;
  for (const file of files)
    for (const hunk of file.hunks) best = Math.max(best, score(file, hunk, c));
  return best;
}

/**
 * Splits a version's behaviour changes over the patches of its series: each
 * change goes to the patch whose hunks match it best (ties: the earlier
 * patch, where the change first appears). Mails that are not patches (the
 * cover letter) get nothing; changes no patch matches are returned apart,
 * for the cover reply.
 */
export function assignChangesToPatches(
  patches: MailMessage[],
  changes: BehaviourChange[],
): { byPatch: Map<MailMessage, BehaviourChange[]>; unassigned: BehaviourChange[] } {
  const parsed = patches.map((m) => {
    try {
      return { m, files: parsePatchBody(m.body).files };
    } catch {
      return { m, files: [] as PatchFile[] }; // a cover letter or a broken patch
    }
  });
  const byPatch = new Map<MailMessage, BehaviourChange[]>(patches.map((m) => [m, []]));
  const unassigned: BehaviourChange[] = [];
  for (const c of changes) {
    let best: { m: MailMessage; s: number } | undefined;
    for (const { m, files } of parsed) {
      const s = bestScore(files, c);
      if (s > 0 && (!best || s > best.s)) best = { m, s };
    }
    if (best) byPatch.get(best.m)?.push(c);
    else unassigned.push(c);
  }
  return { byPatch, unassigned };
}

function place(
  files: PatchFile[],
  changes: BehaviourChange[],
): { placed: Placed[]; unplaced: BehaviourChange[] } {
  const placed: Placed[] = [];
  const unplaced: BehaviourChange[] = [];
  for (const c of changes) {
    let best: { file: PatchFile; hunk: PatchHunk; s: number } | undefined;
    for (const file of files)
      for (const hunk of file.hunks) {
        const s = score(file, hunk, c);
        if (s > 0 && (!best || s > best.s)) best = { file, hunk, s };
      }
    if (!best) {
      unplaced.push(c);
      continue;
    }
    const found = best;
    const entry = placed.find((p) => p.hunk === found.hunk);
    if (entry) entry.changes.push(c);
    else placed.push({ file: found.file, hunk: found.hunk, changes: [c] });
  }
  // Quote in patch order, as a reader scrolls.
  const order = files.flatMap((f) => f.hunks);
  placed.sort((a, b) => order.indexOf(a.hunk) - order.indexOf(b.hunk));
  return { placed, unplaced };
}

const isChange = (l: { kind: string }) => l.kind === 'add' || l.kind === 'del';

/** A declaration-specifier line with nothing else: "static enum lru_status", "int". */
const RETURN_TYPE = /^[ +-][A-Za-z_][A-Za-z0-9_ \t]*[A-Za-z0-9_ \t*]$/;

/** Lines a change is about, and the window context may extend into. */
interface Focus {
  lines: number[];
  from: number;
  to: number;
}

/** Its function (with leading comment, no context outside it), or its changed lines, or mentions. */
function focusOf(hunk: PatchHunk, c: BehaviourChange): Focus {
  const lines = hunk.lines;
  const last = lines.length - 1;
  const def = definitionIndex(hunk, c.function);
  const range = (from: number, to: number, keep: (i: number) => boolean) =>
    Array.from({ length: to - from + 1 }, (_, k) => from + k).filter(keep);
  if (def >= 0) {
    let start = def;
    // Return type on its own line ("static enum lru_status" above the name).
    while (start > 0 && RETURN_TYPE.test(lines[start - 1].text)) start--;
    // A comment block (kernel-doc) directly above the definition belongs to it.
    while (start > 0 && /^[ +-](\/\*|\s\*)/.test(lines[start - 1].text)) start--;
    const end = closingIndex(hunk, def);
    const keep = range(start, end, (i) => i <= def || i === end || isChange(lines[i]));
    return { lines: keep, from: start, to: end };
  }
  const re = mentions(c.function);
  if (re.test(hunk.section)) {
    const end = closingIndex(hunk, 0);
    const changed = range(0, end, (i) => isChange(lines[i]));
    if (changed.length) return { lines: changed, from: 0, to: end };
  }
  const at = c.after?.at;
  const hits = range(
    0,
    last,
    (i) => re.test(lines[i].text) || (!!at && lines[i].newLine === at.line),
  );
  return {
    lines: hits.length ? hits : range(0, last, (i) => isChange(lines[i])),
    from: 0,
    to: last,
  };
}

/** The quoted hunk: header, focus lines with `context` around them, "> [...]" for gaps. */
function quoteHunk(
  file: PatchFile,
  hunk: PatchHunk,
  focus: Focus[],
  context: number,
  multiFile: boolean,
): string[] {
  const keep = new Set<number>();
  for (const f of focus)
    for (const l of f.lines)
      for (let i = Math.max(f.from, l - context); i <= Math.min(f.to, l + context); i++)
        keep.add(i);
  const out: string[] = [];
  if (multiFile && file.headerLines[0]) out.push(`> ${file.headerLines[0]}`);
  out.push(`> ${hunk.header}`);
  let gap = false;
  for (let i = 0; i < hunk.lines.length; i++) {
    if (!keep.has(i)) {
      gap = true;
      continue;
    }
    if (gap) out.push(SNIP);
    gap = false;
    out.push(`> ${hunk.lines[i].text}`);
  }
  if (gap) out.push(SNIP);
  return out;
}

function introLine(n: number): string {
  if (n === 0) return 'Lifecycle Lens found no behaviour change in this patch.';
  return `Lifecycle Lens flags ${n === 1 ? 'one behaviour change' : `${n} behaviour changes`} in this patch; details inline.`;
}

function attribution(patch: MailMessage, name: string): string {
  const who = name || patch.from?.address || 'the author';
  return wrap(`On ${patch.date ?? 'an unknown date'}, ${who} wrote:`, 72);
}

/** Builds the body only (used by the draft and by tests that compare it exactly). */
export function reviewBody(
  patch: MailMessage,
  changes: BehaviourChange[],
  opts: Pick<ReviewDraftOptions, 'toolVersion' | 'trailers' | 'context'>,
): { body: string; unplaced: BehaviourChange[] } {
  const files = parsePatchBody(patch.body).files;
  const { placed, unplaced } = place(files, changes);
  const context = opts.context ?? 3;
  const name = neutralizeText(patch.from?.name ?? '');
  const blocks: string[] = [wrap(introLine(changes.length), 72)];
  // Each distinct explanation once: the rule's generic paragraph is not repeated.
  const seen = new Set<string>();
  if (placed.length) {
    const multiFile = files.length > 1;
    for (const [n, p] of placed.entries()) {
      const focus = p.changes.map((c) => focusOf(p.hunk, c));
      const quote = quoteHunk(p.file, p.hunk, focus, context, multiFile).join('\n');
      // The attribution line sits directly above the first quote.
      blocks.push(n === 0 ? `${attribution(patch, name)}\n${quote}` : quote);
      for (const c of p.changes) blocks.push(findingProse(c, seen));
    }
  }
  if (unplaced.length) {
    blocks.push(wrap('Not tied to a hunk of this patch:', 72));
    for (const c of unplaced) blocks.push(findingProse(c, seen));
  }
  const trailers = trailerLines(opts.trailers);
  blocks.push(disclosureLine(opts.toolVersion));
  if (trailers.length) blocks.push(trailers.join('\n'));
  return { body: `${blocks.join('\n\n')}\n`, unplaced };
}

/** The full reply draft for `patch` (one message of a series) and its behaviour changes. */
export function buildReviewDraft(
  patch: MailMessage,
  changes: BehaviourChange[],
  opts: ReviewDraftOptions,
): ReviewDraft {
  const headers = buildReplyHeaders(patch, opts);
  const { body, unplaced } = reviewBody(patch, changes, opts);
  return { headers, body, text: `${headers.text}\n\n${body}`, unplaced };
}
