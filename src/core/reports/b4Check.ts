// b4's per-patch check format: a JSON list of {tool, status, summary, url, details}.
import type { ComparisonResult } from '../compare/compareTypes';
import { changeBlock } from './compareText';

export interface B4CheckResult {
  tool: string;
  status: 'pass' | 'warn' | 'fail';
  summary: string;
  url: string | null;
  details: string | null;
}

const TOOL = 'lifecycle-lens';

export function b4Results(result: ComparisonResult): B4CheckResult[] {
  if (!result.changes.length)
    return [
      {
        tool: TOOL,
        status: 'pass',
        summary: 'no lifecycle or execution-context behaviour changes',
        url: null,
        details: null,
      },
    ];
  return result.changes.map((c, i) => ({
    tool: TOOL,
    status: c.severity === 'error' ? 'fail' : 'warn',
    summary: `${c.code}: ${c.title}`,
    url: null,
    details: changeBlock(c, i + 1, { explain: true }),
  }));
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
