// SARIF 2.1.0 output of a comparison, for code-scanning tools. One result per
// behaviour change, located at the after-revision evidence, with the call
// chains of both revisions as code flows.
import type { ChainStep } from '../model';
import type { ComparisonResult } from '../compare/compareTypes';
import { RULES } from '../compare/rules';
import { TOOL_VERSION } from './jsonReport';

const LEVEL = { error: 'error', warning: 'warning', note: 'note' } as const;

function location(step: { at: { file: string; line: number; column: number } }, message?: string) {
  return {
    physicalLocation: {
      artifactLocation: { uri: step.at.file.replace(/^\/+/, '') },
      region: { startLine: step.at.line, startColumn: Math.max(1, step.at.column) },
    },
    ...(message ? { message: { text: message } } : {}),
  };
}

function flow(label: string, chain: ChainStep[]) {
  return {
    message: { text: label },
    threadFlows: [
      {
        locations: chain.map((s) => ({
          location: location(
            s,
            s.via === 'sink'
              ? `${s.function}() calls ${s.call}()`
              : `${s.function}() ${s.via === 'defer' ? 'defers to' : 'calls'} ${s.call}`,
          ),
        })),
      },
    ],
  };
}

export function comparisonSarif(result: ComparisonResult): string {
  const rules = RULES.map((r) => ({
    id: r.meta.code,
    name: r.meta.id,
    shortDescription: { text: r.meta.title },
    fullDescription: { text: r.meta.explanation },
    defaultConfiguration: { level: LEVEL[r.meta.severity] },
  }));
  const results = result.changes.map((c) => {
    const primary = c.after?.chain[0] ?? c.before?.chain[0];
    const flows = [
      ...(c.before?.chain.length
        ? [flow(`${result.before.label}: ${c.before.summary}`, c.before.chain)]
        : []),
      ...(c.after?.chain.length
        ? [flow(`${result.after.label}: ${c.after.summary}`, c.after.chain)]
        : []),
    ];
    return {
      ruleId: c.code,
      ruleIndex: RULES.findIndex((r) => r.meta.id === c.rule),
      level: LEVEL[c.severity],
      message: {
        text: `${c.title}${c.from !== undefined ? ` (was: ${c.from}; now: ${c.to})` : ''}`,
      },
      ...(primary ? { locations: [location(primary)] } : {}),
      ...(flows.length ? { codeFlows: flows } : {}),
      properties: {
        function: c.function,
        ...(c.entryContext ? { entryContext: c.entryContext } : {}),
      },
    };
  });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Lifecycle Lens',
            version: TOOL_VERSION,
            semanticVersion: TOOL_VERSION,
            rules,
          },
        },
        results,
        properties: { before: result.before.label, after: result.after.label },
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
