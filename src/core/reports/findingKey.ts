// A stable name for a finding, for triage files: it survives edits that only
// move lines, and names the file relative to the kernel tree it came from.
import type { Finding } from '../model';

/** `<path relative to root>|<function>|<kind>|<message with line numbers as #>`. */
export function findingKey(finding: Finding, root: string): string {
  const file = finding.at.file.replace(/\\/g, '/');
  const base = root.replace(/\\/g, '/').replace(/\/+$/, '');
  const rel = base && file.startsWith(`${base}/`) ? file.slice(base.length + 1) : file;
  const message = finding.message.replace(/\b(lines?) \d+/g, '$1 #');
  return [rel, finding.function, finding.kind, message].join('|');
}

/** Only the findings a reader sees by default: the confident ones (guesses counted). */
export function visibleFindings(
  findings: readonly Finding[],
  all: boolean,
): { shown: Finding[]; hiddenGuesses: number } {
  if (all) return { shown: [...findings], hiddenGuesses: 0 };
  const shown = findings.filter((f) => f.confidence !== 'guess');
  return { shown, hiddenGuesses: findings.length - shown.length };
}
