// Shared formatting of locations and call chains for the text-based reports.
import type { ChainStep, Location } from '../model';

export function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

export function where(at: Location, full = false): string {
  return `${full ? at.file : basename(at.file)}:${at.line}`;
}

/** `a() -> b() -> fput()` with file:line per step. */
export function chainText(chain: ChainStep[]): string {
  return chain
    .map((s) => {
      const arrow =
        s.via === 'defer' ? ' =defer=> ' : s.via === 'callback' ? ' =callback=> ' : ' -> ';
      return `${s.function}() [${where(s.at)}]${s.via === 'sink' ? ` -> ${s.call}()` : arrow.trimEnd()}`;
    })
    .join(' ');
}

/** Wraps prose at `width` columns (default 72, the mailing-list convention). */
export function wrap(text: string, width = 72, indent = '', continuation = indent): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = indent;
  let lead = indent;
  for (const w of words) {
    if (cur.trim() && cur.length + 1 + w.length > width) {
      lines.push(cur);
      lead = continuation;
      cur = lead + w;
    } else cur = cur.trim() ? `${cur} ${w}` : lead + w;
  }
  if (cur.trim()) lines.push(cur);
  return lines.join('\n');
}
