// Calls on the release side of an object that the analysis cannot follow: the
// callee has no body in the analysed files, no catalog entry and no summary.
// They are named in the model so a report never shows an empty release section
// without saying why ("closes through nfsd_filp_close(), not followed").
import type { FunctionFacts } from '../facts/factTypes';
import type { NotFollowedCall, ObjectLifecycle } from '../model';
import { finalPutBranches } from './contexts';
import type { Program } from './program';

export function notFollowedCalls(
  program: Program,
  objects: ObjectLifecycle[],
): { notFollowed?: NotFollowedCall[] } {
  const types = new Set(objects.map((o) => o.type));
  if (!types.size) return {};
  // Functions that run once a final put succeeded: the release side.
  const finals = finalPutBranches(program);
  const releaseSide = new Set<FunctionFacts>();
  const queue: FunctionFacts[] = [];
  const add = (fn: FunctionFacts | undefined) => {
    if (fn && !releaseSide.has(fn)) {
      releaseSide.add(fn);
      queue.push(fn);
    }
  };
  // In a function with a final put, only the calls on its success branch count.
  const onlyCalls = new Map<FunctionFacts, Set<number>>();
  for (const [fn, calls] of finals) {
    onlyCalls.set(fn, calls);
    releaseSide.add(fn);
    const callees = program.callees(fn);
    for (const ci of calls) add(callees[ci]);
    for (const ci of calls) {
      const e = program.entries(fn)[ci];
      const cb = e?.releaseArg !== undefined ? fn.calls[ci].args[e.releaseArg]?.ident : undefined;
      if (cb) add(program.resolve(cb, fn.file));
    }
  }
  for (let i = 0; i < queue.length; i++) for (const c of program.callees(queue[i])) add(c);
  for (const fn of queue) onlyCalls.delete(fn);
  const out: NotFollowedCall[] = [];
  const seen = new Set<string>();
  for (const fn of releaseSide) {
    const entries = program.entries(fn);
    const callees = program.callees(fn);
    const ext = program.externalSummaries(fn);
    fn.calls.forEach((call, i) => {
      if (entries[i] || callees[i] || ext[i]) return;
      if (onlyCalls.get(fn)?.has(i) === false) return;
      // Release work is a statement handing over the object or a pointer it holds;
      // tests, computations and embedded members (&obj->list) are not.
      if (!call.discarded || call.callee.startsWith('->') || program.catalog.isLogging(call.callee))
        return;
      const arg = call.args.find(
        (a) =>
          a.root && !a.text.trimStart().startsWith('&') && types.has(fn.varTypes[a.root] ?? ''),
      );
      if (!arg?.root) return;
      const key = `${call.callee}|${program.idOf(fn)}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({
        callee: call.callee,
        function: program.idOf(fn),
        objectType: fn.varTypes[arg.root],
        argument: arg.text,
        at: { file: call.at.file, line: call.at.line, column: call.at.column },
      });
    });
  }
  return out.length ? { notFollowed: out } : {};
}
