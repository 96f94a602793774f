// Path-sensitive reference balance over a function's CFG. Counts are kept per
// variable (the object a reference belongs to), relative to function entry.
// Branch tests refine the state: a conditional get counts only on the edge where
// it succeeded, and a pointer shown NULL holds no reference.
import type { CfgNode, FunctionFacts, ReturnClass } from '../facts/factTypes';

/** What one call does to references, as decided by the classifier. */
export type RefEffect =
  | { kind: 'get' | 'put' | 'final-put'; variable: string }
  | { kind: 'init'; variable: string; count: number }
  /** Conditional get whose boolean result says whether the reference was taken. */
  | { kind: 'cond-get'; variable: string }
  /** The call returns an object with a new reference (or NULL); it may also keep an argument. */
  | { kind: 'returns-ref'; alsoStores?: string }
  /** The object escapes into a container that keeps the reference (list, hash table). */
  | { kind: 'transfer'; variable: string }
  /** The object is given to a function we cannot see, which may keep or drop it. */
  | { kind: 'handoff'; variable: string };

export type EffectOf = (callIndex: number) => RefEffect | undefined;

export interface PathStep {
  line: number;
  node: number;
}

export interface ExitState {
  returnClass: ReturnClass;
  returnsVariable?: string;
  counts: Record<string, number>;
  escaped: string[];
  /** Given to unseen functions: not evidence of a leak, not evidence of a wrapper either. */
  handed: string[];
  /** The returned expression is the result of a cond-get or final-put call. */
  returnsTestOf?: number;
  path: PathStep[];
  line: number;
}

export interface DoublePut {
  variable: string;
  call: number;
  path: PathStep[];
}

export interface BalanceResult {
  exits: ExitState[];
  doublePuts: DoublePut[];
  /** Conditional gets whose result is never tested. */
  unchecked: number[];
  /** The state space was cut off (very large function). */
  truncated: boolean;
}

interface State {
  node: number;
  counts: Map<string, number>;
  escaped: Set<string>;
  handed: Set<string>;
  /** Variables holding the boolean result of a pending cond-get. */
  pending: Map<string, string>;
  trail: Trail | undefined;
}

interface Trail {
  step: PathStep;
  prev: Trail | undefined;
}

const MAX_STATES = 4000;
const CLAMP = 3;

function keyOf(s: State): string {
  const c = [...s.counts]
    .filter(([, v]) => v !== 0)
    .sort()
    .map(([k, v]) => `${k}:${v}`);
  const e = [...s.escaped, ...[...s.handed].map((h) => `~${h}`)].sort();
  const p = [...s.pending].sort().map(([k, v]) => `${k}>${v}`);
  return `${s.node}|${c.join(',')}|${e.join(',')}|${p.join(',')}`;
}

function trailToPath(t: Trail | undefined): PathStep[] {
  const out: PathStep[] = [];
  for (let cur = t; cur; cur = cur.prev) out.push(cur.step);
  return out.reverse();
}

export function analyzeBalance(fn: FunctionFacts, effectOf: EffectOf): BalanceResult {
  const result: BalanceResult = { exits: [], doublePuts: [], unchecked: [], truncated: false };
  const cfg = fn.cfg;
  const entry = cfg.find((n) => n.kind === 'entry');
  if (!entry) return result;
  const effects = fn.calls.map((_, i) => effectOf(i));
  // Cond-gets tested in the same node are applied per edge; others need a variable.
  const testedHere = new Set<number>();
  for (const n of cfg) for (const t of n.tests) if (t.call !== undefined) testedHere.add(t.call);
  fn.calls.forEach((c, i) => {
    const e = effects[i];
    if (e?.kind === 'cond-get' && !testedHere.has(i) && c.discarded) result.unchecked.push(i);
  });

  const seen = new Set<string>();
  const work: State[] = [
    {
      node: entry.id,
      counts: new Map(),
      escaped: new Set(),
      handed: new Set(),
      pending: new Map(),
      trail: undefined,
    },
  ];
  const reportedDouble = new Set<string>();
  while (work.length) {
    const s = work.pop() as State;
    const k = keyOf(s);
    if (seen.has(k)) continue;
    if (seen.size >= MAX_STATES) {
      result.truncated = true;
      break;
    }
    seen.add(k);
    const node: CfgNode = cfg[s.node];
    const trail: Trail = { step: { line: node.line, node: node.id }, prev: s.trail };
    const counts = new Map(s.counts);
    const escaped = new Set(s.escaped);
    const handed = new Set(s.handed);
    const pending = new Map(s.pending);
    const bump = (v: string, d: number, call: number) => {
      const next = Math.max(-CLAMP, Math.min(CLAMP, (counts.get(v) ?? 0) + d));
      counts.set(v, next);
      if (next <= -2 && !reportedDouble.has(`${v}@${call}`)) {
        reportedDouble.add(`${v}@${call}`);
        result.doublePuts.push({ variable: v, call, path: trailToPath(trail) });
      }
    };
    for (const ci of node.calls) {
      const e = effects[ci];
      const call = fn.calls[ci];
      if (!e) continue;
      switch (e.kind) {
        case 'get':
          bump(e.variable, +1, ci);
          break;
        case 'put':
        case 'final-put':
          bump(e.variable, -1, ci);
          break;
        case 'init':
          counts.set(e.variable, e.count);
          escaped.delete(e.variable);
          break;
        case 'transfer':
          escaped.add(e.variable);
          break;
        case 'handoff':
          handed.add(e.variable);
          break;
        case 'cond-get':
          if (!testedHere.has(ci) && call.assignedTo) pending.set(call.assignedTo, e.variable);
          else if (!testedHere.has(ci) && call.returned) bump(e.variable, +1, ci);
          break;
        case 'returns-ref':
          if (e.alsoStores) escaped.add(e.alsoStores);
          break;
      }
    }
    for (const a of node.assigns) {
      const from = a.fromCall !== undefined ? effects[a.fromCall] : undefined;
      if (from?.kind === 'cond-get') continue;
      for (const k of [...counts.keys()])
        if (k.startsWith(`${a.variable}->`) || k.startsWith(`${a.variable}.`)) counts.delete(k);
      counts.set(a.variable, from?.kind === 'returns-ref' ? 1 : 0);
      escaped.delete(a.variable);
      handed.delete(a.variable);
      if (a.fromCall === undefined) pending.delete(a.variable);
    }
    for (const v of node.escapes) escaped.add(v);

    if (node.kind === 'return' || (node.kind === 'exit' && s.trail)) {
      if (node.kind === 'return') {
        const exit: ExitState = {
          returnClass: node.returnClass ?? 'void',
          counts: Object.fromEntries(counts),
          escaped: [...escaped],
          handed: [...handed],
          path: trailToPath(trail),
          line: node.line,
        };
        if (node.returnsVariable) exit.returnsVariable = node.returnsVariable;
        const tested = node.calls.find((ci) => {
          const e = effects[ci];
          return fn.calls[ci].returned && (e?.kind === 'cond-get' || e?.kind === 'final-put');
        });
        if (tested !== undefined) exit.returnsTestOf = tested;
        result.exits.push(exit);
        continue;
      }
    }
    if (node.kind === 'exit') {
      const prevNode = s.trail ? cfg[s.trail.step.node] : undefined;
      if (prevNode?.kind !== 'return')
        result.exits.push({
          returnClass: 'void',
          counts: Object.fromEntries(counts),
          escaped: [...escaped],
          handed: [...handed],
          path: trailToPath(trail),
          line: fn.span.endLine,
        });
      continue;
    }
    node.succ.forEach((succ, edge) => {
      const c2 = new Map(counts);
      const p2 = new Map(pending);
      if (node.kind === 'cond' && node.succ.length === 2) {
        const onTrueEdge = edge === 0;
        for (const t of node.tests) {
          const value = onTrueEdge ? t.onTrue : t.onFalse;
          if (value === undefined) continue;
          if (t.call !== undefined) {
            const e = effects[t.call];
            if (e?.kind === 'cond-get' && value)
              c2.set(e.variable, Math.min(CLAMP, (c2.get(e.variable) ?? 0) + 1));
            const assigned = fn.calls[t.call].assignedTo;
            if (!value && assigned && effects[t.call]?.kind === 'returns-ref') c2.set(assigned, 0);
          } else if (t.variable !== undefined) {
            const target = p2.get(t.variable);
            if (target !== undefined) {
              if (value) c2.set(target, Math.min(CLAMP, (c2.get(target) ?? 0) + 1));
              p2.delete(t.variable);
            } else if (!value) c2.set(t.variable, 0);
          }
        }
      }
      work.push({ node: succ, counts: c2, escaped, handed, pending: p2, trail });
    });
  }
  return result;
}

/** Variables whose reference is held on some exits and not on others (and not handed on). */
export function inconsistentExits(
  result: BalanceResult,
): { variable: string; leaking: ExitState; balanced: ExitState }[] {
  const out: { variable: string; leaking: ExitState; balanced: ExitState }[] = [];
  const vars = new Set<string>();
  for (const e of result.exits) for (const v of Object.keys(e.counts)) vars.add(v);
  for (const v of vars) {
    const held = (e: ExitState) =>
      (e.counts[v] ?? 0) > 0 &&
      !e.escaped.includes(v) &&
      !e.handed.includes(v) &&
      e.returnsVariable !== v &&
      e.returnsTestOf === undefined;
    const leaking = result.exits.find(held);
    const balanced = result.exits.find(
      (e) => !held(e) && (e.counts[v] ?? 0) <= 0 && !e.handed.includes(v),
    );
    if (leaking && balanced) out.push({ variable: v, leaking, balanced });
  }
  return out;
}
