// The triage of real-kernel findings (test/triage/findings.tsv): verdicts keyed
// by findingKey, compared with the findings the analysis gives today, and the
// precision they add up to.
import type { Finding } from '../model';
import { findingKey } from './findingKey';

export type Verdict = 'true' | 'false' | 'unsure';

export interface TriageRow {
  series: string;
  key: string;
  verdict: Verdict;
  reason: string;
}

export const TRIAGE_HEADER = 'series\tkey\tverdict\treason';

/** Rows of the TSV; a malformed line is an error naming its line number. */
export function parseTriage(text: string): TriageRow[] {
  const rows: TriageRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim() || line.startsWith('#') || line === TRIAGE_HEADER) return;
    const cols = line.split('\t');
    const [series, key, verdict, reason] = cols;
    if (cols.length !== 4 || !['true', 'false', 'unsure'].includes(verdict) || !reason?.trim())
      throw new Error(
        `triage line ${i + 1}: expected series<TAB>key<TAB>true|false|unsure<TAB>reason`,
      );
    rows.push({ series, key, verdict: verdict as Verdict, reason });
  });
  return rows;
}

export interface Precision {
  /** Confident findings (all levels / errors) and how many of them were judged true. */
  confident: { total: number; true: number };
  confidentErrors: { total: number; true: number };
  guesses: { total: number; true: number };
}

export interface TriageComparison {
  series: string;
  /** Findings today without a verdict (keys). */
  untriaged: string[];
  /** Verdicts whose finding is gone (keys). */
  disappeared: string[];
  precision: Precision;
}

/**
 * Compares one series' findings (all of them, guesses included) with the
 * triage; keys name files relative to `root`, the series' kernel tree.
 */
export function compareTriage(
  series: string,
  findings: readonly Finding[],
  root: string,
  rows: readonly TriageRow[],
): TriageComparison {
  const verdicts = new Map(rows.filter((r) => r.series === series).map((r) => [r.key, r]));
  const current = new Map<string, Finding>();
  for (const f of findings) current.set(findingKey(f, root), f);
  const precision: Precision = {
    confident: { total: 0, true: 0 },
    confidentErrors: { total: 0, true: 0 },
    guesses: { total: 0, true: 0 },
  };
  const untriaged: string[] = [];
  for (const [key, f] of current) {
    const v = verdicts.get(key);
    if (!v) {
      untriaged.push(key);
      continue;
    }
    const ok = v.verdict === 'true' ? 1 : 0;
    const buckets =
      f.confidence === 'guess'
        ? [precision.guesses]
        : f.severity === 'error'
          ? [precision.confident, precision.confidentErrors]
          : [precision.confident];
    for (const b of buckets) {
      b.total++;
      b.true += ok;
    }
  }
  const disappeared = [...verdicts.keys()].filter((k) => !current.has(k));
  return { series, untriaged: untriaged.sort(), disappeared: disappeared.sort(), precision };
}

/** `a/b (p%)`, or `-` when there is nothing to measure. */
export function ratio(r: { total: number; true: number }): string {
  return r.total ? `${r.true}/${r.total} (${((100 * r.true) / r.total).toFixed(1)}%)` : '-';
}
