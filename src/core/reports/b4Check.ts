// b4's check-command format: a JSON list of {tool, status, summary, url, details}.
// `details` is a JSON string holding one entry per behaviour change
// ({status, context, state, description, url, srcline}), which b4's check
// view renders one line each, as it does for its checkpatch and patchwork checks.
import type { ComparisonResult } from '../compare/compareTypes';
import { b4CheckDetails, b4Status } from './b4Review';

export interface B4CheckResult {
  tool: string;
  status: 'pass' | 'warn' | 'fail';
  summary: string;
  url: string | null;
  details: string | null;
}

const TOOL = 'lifecycle-lens';

export const B4_PASS: B4CheckResult = {
  tool: TOOL,
  status: 'pass',
  summary: 'no lifecycle or execution-context behaviour changes',
  url: null,
  details: null,
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One result for the patch; `diff` lets each entry name the diff line causing it. */
export function b4Results(result: ComparisonResult, diff?: string): B4CheckResult[] {
  if (!result.changes.length) return [B4_PASS];
  const statuses = result.changes.map(b4Status);
  const errors = statuses.filter((s) => s === 'fail').length;
  const counts = [
    errors ? plural(errors, 'error') : '',
    statuses.length - errors ? plural(statuses.length - errors, 'warning') : '',
  ].filter(Boolean);
  return [
    {
      tool: TOOL,
      status: errors ? 'fail' : 'warn',
      summary: `${plural(result.changes.length, 'behaviour change')} (${counts.join(', ')})`,
      url: null,
      details: JSON.stringify(b4CheckDetails(result, diff)),
    },
  ];
}

/** The series check: one result, one detail entry per change, each prefixed by its patch. */
export function b4SeriesResults(
  patches: { result?: ComparisonResult; diff: string }[],
): B4CheckResult[] {
  const details = patches.flatMap((p, i) =>
    p.result
      ? b4CheckDetails(p.result, p.diff).map((d) => ({
          ...d,
          description: `[${i + 1}/${patches.length}] ${d.description}`,
        }))
      : [],
  );
  if (!details.length) return [B4_PASS];
  const errors = details.filter((d) => d.status === 'fail').length;
  const counts = [
    errors ? plural(errors, 'error') : '',
    details.length - errors ? plural(details.length - errors, 'warning') : '',
  ].filter(Boolean);
  return [
    {
      tool: TOOL,
      status: errors ? 'fail' : 'warn',
      summary: `${plural(details.length, 'behaviour change')} in the series (${counts.join(', ')})`,
      url: null,
      details: JSON.stringify(details),
    },
  ];
}

export function b4Error(message: string): B4CheckResult[] {
  return [
    {
      tool: TOOL,
      status: 'warn',
      summary: `not checked: ${message.split('\n')[0]}`,
      url: null,
      details: message,
    },
  ];
}
