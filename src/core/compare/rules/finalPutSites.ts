// LL3: final-put sites added or removed, and paths whose get/put balance
// changed (a new leak or double put).
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { change, evidence, pairedObjects, setDiff, type Rule } from './ruleContext';

const meta: RuleMeta = {
  id: 'final-put-sites',
  code: 'LL3',
  severity: 'warning',
  title: 'Final-put sites or reference balance changed',
  explanation:
    'The places where the last reference can be dropped changed, or a path now leaves a reference unbalanced. ' +
    'Each final-put site is where the object is torn down, so its execution context and the locks held there ' +
    'decide what the teardown may do; a new imbalance is a leak or a use-after-free waiting to happen.',
};

export const finalPutSitesRule: Rule = {
  meta,
  check(ctx) {
    const out: BehaviourChange[] = [];
    for (const [b, a] of pairedObjects(ctx)) {
      // By function: the primitive changing (atomic_dec_and_test -> refcount_dec_and_test) is LL10's.
      const site = (s: { function: string; call: string }) => s.function;
      const d = setDiff(
        b.finalPutSites.map((s) => site({ ...s, function: ctx.normalize(s.function) })),
        a.finalPutSites.map(site),
      );
      // Moved code is not a change: a put that moved down into a new helper, or a
      // function that still drops the last reference through a callee.
      const sitesA = new Set(a.finalPutSites.map((x) => x.function));
      const sitesB = new Set(b.finalPutSites.map((x) => ctx.normalize(x.function)));
      const existedBefore = new Set(ctx.before.functions.map((f) => ctx.normalize(f.name)));
      const callersA = new Map<string, string[]>();
      const calleesA = new Map<string, string[]>();
      for (const e of ctx.after.edges)
        if (e.kind === 'call') {
          callersA.set(e.callee, [...(callersA.get(e.callee) ?? []), e.caller]);
          calleesA.set(e.caller, [...(calleesA.get(e.caller) ?? []), e.callee]);
        }
      const reachesSite = (fn: string) => {
        const seen = new Set([fn]);
        const queue = [...(calleesA.get(fn) ?? [])];
        while (queue.length) {
          const f = queue.pop() as string;
          if (seen.has(f)) continue;
          seen.add(f);
          if (sitesA.has(f)) return true;
          queue.push(...(calleesA.get(f) ?? []));
        }
        return false;
      };
      d.added = d.added.filter(
        (fn) => existedBefore.has(fn) || !(callersA.get(fn) ?? []).some((c) => sitesB.has(c)),
      );
      d.removed = d.removed.filter((fn) => !reachesSite(fn));
      for (const k of d.added) {
        const s = a.finalPutSites.find((x) => site(x) === k);
        if (!s) continue;
        out.push(
          change(meta, {
            title: `struct ${a.type}: new final-put site in ${s.function}() (${s.call})`,
            function: s.function,
            object: a.type,
            from: 'not a final-put site',
            to: 'final-put site',
            explanation: meta.explanation,
            after: evidence(`${s.function}() drops the last reference with ${s.call}()`, [
              { function: s.function, call: s.call, at: s.at, via: 'sink' },
            ]),
          }),
        );
      }
      for (const k of d.removed) {
        const s = b.finalPutSites.find(
          (x) => site({ ...x, function: ctx.normalize(x.function) }) === k,
        );
        if (!s) continue;
        out.push(
          change(meta, {
            title: `struct ${a.type}: ${ctx.normalize(s.function)}() is no longer a final-put site (${s.call})`,
            function: ctx.normalize(s.function),
            object: a.type,
            from: 'final-put site',
            to: 'not a final-put site',
            explanation: meta.explanation,
            before: evidence(`${s.function}() dropped the last reference with ${s.call}()`, [
              { function: s.function, call: s.call, at: s.at, via: 'sink' },
            ]),
          }),
        );
      }
    }
    const key = (f: { kind: string; function: string }) => `${f.kind}|${f.function}`;
    const imbalance = (k: string) => k.startsWith('ref-leak|') || k.startsWith('double-put|');
    const d = setDiff(
      ctx.before.findings
        .map((f) => key({ ...f, function: ctx.normalize(f.function) }))
        .filter(imbalance),
      // Only confident findings are news: a guess (an unresolved transfer) is not a
      // claim a reviewer can act on, and one that was already reported before (even
      // as a guess) did not appear with this revision.
      ctx.after.findings
        .filter((f) => f.confidence === 'confident')
        .map(key)
        .filter(imbalance),
    );
    for (const k of d.added) {
      const f = ctx.after.findings.find((x) => x.confidence === 'confident' && key(x) === k);
      if (!f) continue;
      out.push(
        change(meta, {
          // A double put frees what others hold (use-after-free): error; a leak: warning.
          severity: f.kind === 'double-put' ? 'error' : 'warning',
          title: `new ${f.kind === 'ref-leak' ? 'reference leak' : 'double put'} in ${f.function}()`,
          function: f.function,
          from: 'balanced',
          to: f.kind,
          explanation: meta.explanation,
          after: evidence(f.message, [{ function: f.function, call: '', at: f.at, via: 'call' }]),
        }),
      );
    }
    return out;
  },
};
