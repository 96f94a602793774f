// Prose for one behaviour change, shared by per-patch replies and cover
// replies: wrapped at 72 columns, call chains one step per indented line.
import type { ChainStep } from '../model';
import type { BehaviourChange, Evidence } from '../compare/compareTypes';
import { where, wrap } from '../reports/format';

/** `nfsd_file_close_inode()`, or `nfsd_file_close_inode() (via entry ...)`. */
export function changeHeadline(c: BehaviourChange): string {
  const fromTo = c.from || c.to ? `: ${c.from ?? '(none)'} -> ${c.to ?? '(none)'}` : '';
  return `${c.code} ${c.rule} in ${c.function}()${fromTo}`;
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
  const head = `${label}${state ? ` (${state})` : ''}: ${e.summary}`;
  return [wrap(head, 72), ...chainLines(e.chain, '    ')];
}

/** The full text of one finding, as it appears under a quoted hunk. */
export function findingProse(c: BehaviourChange): string {
  const parts: string[] = [wrap(`${c.code} (${c.rule}): ${c.title}`, 72)];
  if (c.release?.length) parts.push(wrap(`Release work affected: ${c.release.join(', ')}.`, 72));
  parts.push(wrap(c.explanation, 72));
  const ev: string[] = [];
  if (c.before) ev.push(...evidenceLines('Before', c.from, c.before));
  if (c.after) ev.push(...evidenceLines('After', c.to, c.after));
  if (ev.length) parts.push(ev.join('\n'));
  return parts.join('\n\n');
}
