// LL4: hash/unhash paths changed: the primitive (hlist, rhashtable, rhltable)
// or which functions hash and unhash the object.
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { change, evidence, pairedObjects, setDiff, type Rule } from './ruleContext';

const meta: RuleMeta = {
  id: 'hash-paths',
  code: 'LL4',
  severity: 'note',
  title: 'Hash/unhash paths changed',
  explanation:
    'The functions that insert the object into, or remove it from, the lookup hash changed, or the hash ' +
    'primitive did. Lookups run under RCU, so every unhash path must still decide a single winner (for example ' +
    'with test_and_clear_bit on a HASHED flag) and memory must only be freed after a grace period.',
};

export const hashPathsRule: Rule = {
  meta,
  check(ctx) {
    const out: BehaviourChange[] = [];
    for (const [b, a] of pairedObjects(ctx)) {
      for (const state of ['hashed', 'unhashed'] as const) {
        const verb = state === 'hashed' ? 'hashes' : 'unhashes';
        const ta = a.transitions.filter((t) => t.to === state);
        const tb = b.transitions.filter((t) => t.to === state);
        const prims = setDiff(
          tb.map((t) => t.call),
          ta.map((t) => t.call),
        );
        if (prims.added.length && prims.removed.length) {
          out.push(
            change(meta, {
              title: `struct ${a.type}: ${state === 'hashed' ? 'insert' : 'removal'} primitive changed from ${prims.removed.join(', ')} to ${prims.added.join(', ')}`,
              function: ta[0]?.function ?? a.type,
              from: prims.removed.join(', '),
              to: prims.added.join(', '),
              explanation: meta.explanation,
              before: evidence(
                `${tb[0]?.function}() uses ${prims.removed.join(', ')}`,
                tb[0]
                  ? [{ function: tb[0].function, call: tb[0].call, at: tb[0].at, via: 'sink' }]
                  : [],
              ),
              after: evidence(
                `${ta[0]?.function}() uses ${prims.added.join(', ')}`,
                ta[0]
                  ? [{ function: ta[0].function, call: ta[0].call, at: ta[0].at, via: 'sink' }]
                  : [],
              ),
            }),
          );
        }
        const fns = setDiff(
          tb.map((t) => ctx.normalize(t.function)),
          ta.map((t) => t.function),
        );
        for (const f of fns.added)
          out.push(
            change(meta, {
              title: `struct ${a.type}: ${f}() now ${verb} the object`,
              function: f,
              from: `does not ${verb.replace(/es$/, '')}`,
              to: verb,
              explanation: meta.explanation,
            }),
          );
        for (const f of fns.removed)
          out.push(
            change(meta, {
              title: `struct ${a.type}: ${f}() no longer ${verb} the object`,
              function: f,
              from: verb,
              to: `does not ${verb.replace(/es$/, '')}`,
              explanation: meta.explanation,
            }),
          );
      }
    }
    return out;
  },
};
