// Prose for one behaviour change, shared by per-patch replies and cover
// replies: wrapped at 72 columns, call chains one step per indented line.
// A rule's explanation is the same paragraph for every change of that rule,
// so a reply prints each distinct explanation once (callers pass `seen`).
import type { ChainStep } from '../model';
import type { BehaviourChange, Evidence } from '../compare/compareTypes';
import { where, wrap } from '../reports/format';

/** `LL1 release-context in nfsd_file_close_inode(): deferred -> inline`. */
export function changeHeadline(c: BehaviourChange): string {
  const fromTo = c.from || c.to ? `: ${c.from ?? '(none)'} -> ${c.to ?? '(none)'}` : '';
  return `${c.code} ${c.rule} in ${c.function}()${fromTo}`;
}

/** `LL1 (release-context): <the change's own one-line statement>`. */
export function changeTitle(c: BehaviourChange): string {
  return `${c.code} (${c.rule}): ${c.title}`;
}

/**
 * The explanation, or undefined when `seen` says this reply already printed
 * the same paragraph (the rule's generic text repeated for each change).
 */
export function explanationOnce(c: BehaviourChange, seen?: Set<string>): string | undefined {
  const text = c.explanation.trim();
  if (!text) return undefined;
  if (seen?.has(text)) return undefined;
  seen?.add(text);
  return text;
}

/** One line per step: the first plain, each next one prefixed by how control got there. */
export function chainLines(chain: ChainStep[], indent: string): string[] {
  const out: string[] = [];
  let arrow = '';
  for (const s of chain) {
    out.push(`${indent}${arrow}${s.function}() [${where(s.at)}]`);
    if (s.via === 'sink') out.push(`${indent}-> ${s.call}()`);
    arrow = s.via === 'defer' ? '=defer=> ' : s.via === 'callback' ? '=callback=> ' : '-> ';
  }
  return out;
}

function evidenceLines(label: string, state: string | undefined, e: Evidence): string[] {
  // "Before (deferred (workqueue)): ... deferred (workqueue)" says it twice.
  const showState = state && !e.summary.includes(state);
  const head = `${label}${showState ? ` (${state})` : ''}: ${e.summary}`;
  return [wrap(head, 72), ...chainLines(e.chain, '    ')];
}

/** The full text of one finding, as it appears under a quoted hunk. */
export function findingProse(c: BehaviourChange, seen?: Set<string>): string {
  const parts: string[] = [wrap(changeTitle(c), 72)];
  if (c.release?.length) parts.push(wrap(`Release work affected: ${c.release.join(', ')}.`, 72));
  const explanation = explanationOnce(c, seen);
  if (explanation) parts.push(wrap(explanation, 72));
  const ev: string[] = [];
  if (c.before) ev.push(...evidenceLines('Before', c.from, c.before));
  if (c.after) ev.push(...evidenceLines('After', c.to, c.after));
  if (ev.length) parts.push(ev.join('\n'));
  return parts.join('\n\n');
}
