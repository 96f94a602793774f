// One function's reference effects and the contexts its release work runs in,
// read off the model: what an LLM reviewer asks about a function, as facts
// with evidence chains (the MCP server's explain tool).
import type {
  ClassifiedCall,
  ContextKind,
  EntryPoint,
  Finding,
  FunctionSummary,
  ProgramModel,
  ReleasePath,
} from '../model';
import { chainText, where } from './format';

const EFFECT_ROLES = new Set<ClassifiedCall['role']>([
  'ref-get',
  'ref-get-conditional',
  'ref-put',
  'ref-final-put',
  'ref-init',
  'hash-insert',
  'hash-remove',
  'lru-add',
  'lru-del',
  'list-add',
  'list-drain',
  'defer',
  'release',
  'free',
]);

export interface FunctionExplanation {
  function: string;
  file: string;
  line: number;
  wrapper?: FunctionSummary['wrapper'];
  wrapperParam?: number;
  returnsRef: boolean;
  mayFinalPut: boolean;
  maySleep: boolean;
  contexts: ContextKind[];
  releaseInline: FunctionSummary['releaseInline'];
  releaseDeferred: FunctionSummary['releaseDeferred'];
  /** Calls with a reference, container, deferral or release effect, in source order. */
  effects: {
    callee: string;
    role: ClassifiedCall['role'];
    source: string;
    objectType?: string;
    release?: string;
    atomic: boolean;
    locksHeld: string[];
    at: string;
  }[];
  /** Entry points this function is one of. */
  entryPoints: EntryPoint[];
  /** Release paths whose chain runs through this function (its release work, per entry context). */
  releasePaths: (ReleasePath & { object: string })[];
  findings: Finding[];
}

export function explainFunction(
  model: ProgramModel,
  name: string,
): FunctionExplanation | undefined {
  const f = model.functions.find((x) => x.name === name);
  if (!f) return undefined;
  const seen = new Set<string>();
  const releasePaths = model.objects.flatMap((o) =>
    o.releasePaths
      .filter((p) => p.chain.some((s) => s.function === name))
      .filter((p) => {
        const key = `${p.entry}|${p.entryContext}|${p.mode}|${p.release}|${chainText(p.chain)}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .map((p) => ({ ...p, object: o.type })),
  );
  return {
    function: f.name,
    file: f.file,
    line: f.span.line,
    ...(f.wrapper ? { wrapper: f.wrapper, wrapperParam: f.wrapperParam } : {}),
    returnsRef: f.returnsRef,
    mayFinalPut: f.mayFinalPut,
    maySleep: f.maySleep,
    contexts: f.contexts,
    releaseInline: f.releaseInline,
    releaseDeferred: f.releaseDeferred,
    effects: f.calls
      .filter((c) => EFFECT_ROLES.has(c.role))
      .map((c) => ({
        callee: c.callee,
        role: c.role,
        source: c.source,
        ...(c.objectType ? { objectType: c.objectType } : {}),
        ...(c.release ? { release: c.release } : {}),
        atomic: c.atomic,
        locksHeld: c.locksHeld,
        at: where(c.at, true),
      })),
    entryPoints: model.entryPoints.filter((e) => e.function === name),
    releasePaths,
    findings: model.findings.filter((x) => x.function === name),
  };
}

export function explanationText(e: FunctionExplanation): string {
  const out = [`${e.function}() [${e.file}:${e.line}]`];
  const traits = [
    e.wrapper ? `${e.wrapper} wrapper (argument ${e.wrapperParam ?? 0})` : '',
    e.returnsRef ? 'returns a new reference' : '',
    e.mayFinalPut ? 'may drop the last reference' : '',
    e.maySleep ? 'may sleep' : '',
  ].filter(Boolean);
  if (traits.length) out.push(`  ${traits.join('; ')}`);
  out.push(`  runs in: ${e.contexts.join(', ') || '(no entry context found)'}`);
  if (e.releaseInline.length) out.push(`  release work inline: ${e.releaseInline.join(', ')}`);
  if (e.releaseDeferred.length)
    out.push(`  release work deferred: ${e.releaseDeferred.join(', ')}`);
  for (const ep of e.entryPoints) out.push(`  entry point (${ep.context}): ${ep.reason}`);
  if (e.effects.length) {
    out.push('', 'Reference effects:');
    for (const c of e.effects)
      out.push(
        `  ${c.at}: ${c.callee}() ${c.role}${c.objectType ? ` on ${c.objectType}` : ''}` +
          `${c.release ? ` (${c.release})` : ''}${c.atomic ? ' while atomic' : ''}` +
          ` [${c.source}]`,
      );
  }
  if (e.releasePaths.length) {
    out.push('', 'Release work through this function, per entry context:');
    for (const p of e.releasePaths)
      out.push(
        `  ${p.entry}() (${p.entryContext}): ${p.release} ${p.mode} in ${p.runsIn}`,
        `    ${chainText(p.chain)}`,
      );
  }
  if (e.findings.length) {
    out.push('', 'Findings:');
    for (const x of e.findings) out.push(`  [${x.severity}] ${x.message} (${where(x.at, true)})`);
  }
  return out.join('\n') + '\n';
}
