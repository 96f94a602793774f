// Path-sensitive reference balance over a function's CFG. Counts are kept per
// object, named by one of the variables that hold it (the latest assigned, or
// the parameter it is; `nf = new` and `dio = container_of(bio, ...)` give one
// object two names), relative to function entry.
// Branch tests refine the state: a conditional get counts only on the edge where
// it succeeded, and a pointer shown NULL holds no reference.
import { recordOf } from '../facts/nameRecord';
import type { CfgNode, FunctionFacts, ReturnClass } from '../facts/factTypes';

/** What one call does to references, as decided by the classifier. */
export type RefEffect =
  /** `counter`: the counter field it acts on (`s_active`), when known. */
  | { kind: 'get' | 'put' | 'final-put'; variable: string; amount?: number; counter?: string }
  /** Drops every reference the function holds (refcount_sub_and_test with a computed amount). */
  | { kind: 'put-all'; variable: string }
  /** Drops only when it returns true (refcount_dec_not_one); 0 if `invert` (an error leaves it). */
  | { kind: 'cond-put'; variable: string; invert?: boolean }
  /** Takes over a reference another owner held, when it returns true (the LRU's, on list_lru_del). */
  | { kind: 'inherit'; variable: string }
  | { kind: 'init'; variable: string; count: number }
  /** Conditional get whose result says whether the reference was taken (0 on success if `invert`). */
  | { kind: 'cond-get'; variable: string; invert?: boolean }
  /** The call returns an object with a new reference (or NULL); it may also keep an argument. */
  /** `count` > 1: the object starts with references for others too (a completion path, a table). */
  /** `shared`: the callee also handed the object to a container (its references may all be the container's). */
  | { kind: 'returns-ref'; alsoStores?: string; count?: number; shared?: boolean }
  /** The object escapes into a container that keeps the reference (list, hash table). */
  | { kind: 'transfer'; variable: string }
  /** The object is given to a function we cannot see, which may keep or drop it. */
  | { kind: 'handoff'; variable: string }
  /** The object is taken off a container; the count is unchanged (ownership evidence only). */
  | { kind: 'remove'; variable: string };

export type EffectOf = (callIndex: number) => RefEffect | undefined;

/**
 * The variable whose object a call returns under another type (the `bio` of
 * `container_of(bio, struct blkdev_dio, bio)`), if any: catalog data.
 */
export type MemberOf = (callIndex: number) => string | undefined;

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
  /** Variables this path showed to be NULL/zero. */
  nulls: string[];
  /**
   * Parameters given another value after their object was counted, stored or handed
   * on: what happened to the caller's object afterwards is not in `counts`.
   */
  renamed?: string[];
  /** The function returns an error here (-E..., NULL, ERR_PTR, or a status known non-zero). */
  errorExit: boolean;
  /** A status returned here, by its known value: 0, or an error code (`return err;` included). */
  status?: 'zero' | 'errno';
  /** The returned expression is the result of a cond-get or final-put call. */
  returnsTestOf?: number;
  path: PathStep[];
  line: number;
}

export interface DoublePut {
  variable: string;
  call: number;
  path: PathStep[];
  /** No get of this variable on the path: both drops may be references the caller or a container held. */
  belowEntry: boolean;
  /** The object went into a container or to an unseen callee earlier on the path. */
  escaped: boolean;
  handed: boolean;
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
  /** Highest count seen on this path since the variable was last assigned. */
  peaks: Map<string, number>;
  escaped: Set<string>;
  handed: Set<string>;
  /** What branch tests showed about variables: "0" (zero/NULL), "!0", or "=K". */
  values: Map<string, string>;
  /** Variables holding the boolean result of a pending cond-get. */
  pending: Map<string, string>;
  /** Other names of an object: variable -> the variable its counts are kept under. */
  alias: Map<string, string>;
  trail: Trail | undefined;
}

interface Trail {
  step: PathStep;
  prev: Trail | undefined;
}

const MAX_STATES = 1000;
/** Constants that are zero: `0`, `0UL`, `NULL`, `false`. */
const ZERO = /^(0[uUlL]*|NULL|false)$/;
/** Node visits per function, the bound for paths that never meet. */
const MAX_STEPS = 40000;
const CLAMP = 3;

/**
 * The state as a string: equal states (zero counts left out), equal keys. A
 * state's maps are shared with the states derived from it (copied on write), so
 * each map's part of the key is made once per map object (`parts`).
 */
function keyOf(s: State, parts: Map<object, string>): string {
  let c = parts.get(s.counts);
  if (c === undefined) parts.set(s.counts, (c = pairs(s.counts, ':', true)));
  let e: string | undefined;
  if (s.handed.size === 0) {
    e = parts.get(s.escaped);
    if (e === undefined) parts.set(s.escaped, (e = [...s.escaped].sort().join(',')));
  } else e = [...s.escaped, ...[...s.handed].map((h) => `~${h}`)].sort().join(',');
  let p = parts.get(s.pending);
  if (p === undefined) parts.set(s.pending, (p = pairs(s.pending, '>', false)));
  let v = parts.get(s.values);
  if (v === undefined) parts.set(s.values, (v = pairs(s.values, '', false)));
  if (s.alias.size === 0) return `${s.node}|${c}|${e}|${p}|${v}`;
  let a = parts.get(s.alias);
  if (a === undefined) parts.set(s.alias, (a = pairs(s.alias, '=', false)));
  return `${s.node}|${c}|${e}|${p}|${v}|${a}`;
}

/**
 * `k${sep}v` per entry, sorted, joined by commas: equal maps, equal strings (the
 * key is only ever compared). The entry strings are sorted, not `[k, v]` pairs,
 * which the default sort would turn into strings at every comparison.
 */
function pairs(m: ReadonlyMap<string, string | number>, sep: string, skipZero: boolean): string {
  if (m.size === 0) return '';
  const parts: string[] = [];
  m.forEach((v, k) => {
    if (!skipZero || v !== 0) parts.push(`${k}${sep}${v}`);
  });
  if (parts.length < 2) return parts.length ? parts[0] : '';
  return parts.sort().join(',');
}

/** The name `v`'s object is counted under (`v` itself, or with its root renamed). */
function canonOf(alias: ReadonlyMap<string, string>, v: string): string {
  if (alias.size === 0) return v;
  const direct = alias.get(v);
  if (direct !== undefined) return direct;
  const arrow = v.indexOf('->');
  const dot = v.indexOf('.');
  const cut = arrow < 0 ? dot : dot < 0 ? arrow : Math.min(arrow, dot);
  if (cut < 0) return v;
  const root = alias.get(v.slice(0, cut));
  return root === undefined ? v : root + v.slice(cut);
}

/** The variable whose object `a` gives another name (`nf = new`, `x = container_of(y, ...)`). */
function copiedFrom(
  a: CfgNode['assigns'][number],
  memberOf: readonly (string | undefined)[],
): string | undefined {
  return a.fromVariable ?? (a.fromCall !== undefined ? memberOf[a.fromCall] : undefined);
}

/** The rest of `key` after `root` when `key` is `root` or one of its fields, else undefined. */
function fieldSuffix(key: string, root: string): string | undefined {
  if (!key.startsWith(root)) return undefined;
  if (key.length === root.length) return '';
  const c = key.charCodeAt(root.length);
  // '-' (of '->') or '.'
  if ((c === 45 && key.charCodeAt(root.length + 1) === 62) || c === 46)
    return key.slice(root.length);
  return undefined;
}

function trailToPath(t: Trail | undefined): PathStep[] {
  const out: PathStep[] = [];
  for (let cur = t; cur; cur = cur.prev) out.push(cur.step);
  return out.reverse();
}

/**
 * The maps of a state being stepped (or of one edge out of it). They are shared
 * with every other state derived from the same one, so each is copied on its
 * first write here (states are never mutated in place). One Draft serves every
 * step of a walk: no closures per step.
 */
class Draft {
  counts = new Map<string, number>();
  peaks = new Map<string, number>();
  escaped = new Set<string>();
  handed = new Set<string>();
  pending = new Map<string, string>();
  values = new Map<string, string>();
  alias = new Map<string, string>();
  /** Bits of the maps copied already: counts 1, peaks 2, escaped 4, handed 8, pending 16, values 32, alias 64. */
  private owned = 0;

  start(s: State): void {
    this.counts = s.counts;
    this.peaks = s.peaks;
    this.escaped = s.escaped;
    this.handed = s.handed;
    this.pending = s.pending;
    this.values = s.values;
    this.alias = s.alias;
    this.owned = 0;
  }

  /** An edge out of `from`'s state, with the values the edge's tests leave (a copy if any). */
  startEdge(from: Draft, values: Map<string, string>): void {
    this.counts = from.counts;
    this.peaks = from.peaks;
    this.pending = from.pending;
    this.values = values;
    this.alias = from.alias;
    this.owned = values !== from.values ? 32 : 0;
  }

  wCounts(): Map<string, number> {
    if (!(this.owned & 1)) {
      this.owned |= 1;
      this.counts = new Map(this.counts);
    }
    return this.counts;
  }

  wPeaks(): Map<string, number> {
    if (!(this.owned & 2)) {
      this.owned |= 2;
      this.peaks = new Map(this.peaks);
    }
    return this.peaks;
  }

  wEscaped(): Set<string> {
    if (!(this.owned & 4)) {
      this.owned |= 4;
      this.escaped = new Set(this.escaped);
    }
    return this.escaped;
  }

  wHanded(): Set<string> {
    if (!(this.owned & 8)) {
      this.owned |= 8;
      this.handed = new Set(this.handed);
    }
    return this.handed;
  }

  wPending(): Map<string, string> {
    if (!(this.owned & 16)) {
      this.owned |= 16;
      this.pending = new Map(this.pending);
    }
    return this.pending;
  }

  wValues(): Map<string, string> {
    if (!(this.owned & 32)) {
      this.owned |= 32;
      this.values = new Map(this.values);
    }
    return this.values;
  }

  wAlias(): Map<string, string> {
    if (!(this.owned & 64)) {
      this.owned |= 64;
      this.alias = new Map(this.alias);
    }
    return this.alias;
  }

  /** The name `v`'s object is counted under on this path. */
  canon(v: string): string {
    return canonOf(this.alias, v);
  }
}

/**
 * One function's walk over its paths: what it reads (the function, its calls'
 * effects, the variables worth tracking) and what it reports. The steps are
 * methods of their own, so that V8 compiles and re-optimises them one by one
 * (a single function for the whole walk took hundreds of milliseconds to
 * optimise, again after every new object shape).
 */
class Walk {
  private readonly reported = new Set<string>();
  readonly work: State[] = [];
  /** Reached on some path with no reference held: the ignored result can be a failure. */
  readonly unpinned = new Set<number>();

  constructor(
    private readonly result: BalanceResult,
    private readonly fn: FunctionFacts,
    private readonly cfg: CfgNode[],
    private readonly effects: readonly (RefEffect | undefined)[],
    /** Variables that can hold a tracked reference. */
    private readonly refVars: ReadonlySet<string>,
    /** Variables whose tests can correlate branches. */
    private readonly correlated: Set<string>,
    /** Calls tested in their own node (applied per edge). */
    private readonly testedHere: ReadonlySet<number>,
    /** Discarded conditional gets. */
    private readonly uncheckedAt: ReadonlySet<number>,
    /** Per call: the variable whose object it returns under another type. */
    private readonly memberOf: readonly (string | undefined)[],
  ) {
    this.params = new Set(fn.params.filter((p): p is string => !!p));
  }

  /** The function's parameters: an object that is one keeps its name. */
  private readonly params: ReadonlySet<string>;

  /**
   * Count change `delta` of `v` by call `call`. An inherited reference (off a
   * container that held one) raises no peak: the object may carry other
   * holders' references too, which this code may be entitled to drop.
   */
  bump(
    d: Draft,
    named: string,
    delta: number,
    call: number,
    raisesPeak: boolean,
    trail: Trail,
  ): void {
    // A pointer this path showed NULL holds no reference: dropping it drops nothing.
    if (delta < 0 && d.values.get(named) === '0') return;
    const v = d.canon(named);
    if (delta < 0 && v !== named && d.values.get(v) === '0') return;
    const next = Math.max(-CLAMP, Math.min(CLAMP, (d.counts.get(v) ?? 0) + delta));
    d.wCounts().set(v, next);
    const peak = raisesPeak ? Math.max(d.peaks.get(v) ?? 0, next) : (d.peaks.get(v) ?? 0);
    d.wPeaks().set(v, peak);
    // More puts than gets: below zero after a get on this path, or two below entry.
    // Only a drop can be the second drop (a get from a clamped count is not one).
    if (delta >= 0 || !(next <= -2 || (next < 0 && peak >= 1))) return;
    const key = `${v}@${call}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.result.doublePuts.push({
      variable: v,
      call,
      path: trailToPath(trail),
      belowEntry: peak < 1,
      escaped: d.escaped.has(v),
      handed: d.handed.has(v),
    });
  }

  /** What the node's calls do to the state. */
  calls(node: CfgNode, d: Draft, trail: Trail): void {
    const calls = node.calls;
    for (let k = 0; k < calls.length; k++) {
      const ci = calls[k];
      const e = this.effects[ci];
      if (!e) continue;
      const call = this.fn.calls[ci];
      // The name the object is counted under (the variable itself unless an alias).
      const v = e.kind === 'returns-ref' ? '' : d.canon(e.variable);
      switch (e.kind) {
        case 'get':
          this.bump(d, e.variable, +1, ci, true, trail);
          break;
        case 'put':
        case 'final-put': {
          // After the last reference of one counter went (a final put tested true), a drop
          // on another counter is the release dropping that group's own reference
          // (s_active holds one s_passive, mm_users one mm_count): not the caller's.
          const released = d.values.get(`#released:${v}`);
          if (released !== undefined && e.counter !== undefined && released !== e.counter) break;
          this.bump(d, e.variable, -(e.amount ?? 1), ci, true, trail);
          break;
        }
        case 'put-all':
          d.wCounts().set(v, Math.min(0, d.counts.get(v) ?? 0));
          break;
        case 'cond-put':
        case 'inherit':
          // Applied on the edge where the call returned true; unconditionally when untested.
          if (!this.testedHere.has(ci) && call.assignedTo)
            d.wPending().set(call.assignedTo, `${v}|${ci}`);
          else if (!this.testedHere.has(ci))
            this.bump(
              d,
              e.variable,
              e.kind === 'inherit' ? +1 : -1,
              ci,
              e.kind !== 'inherit',
              trail,
            );
          break;
        case 'init':
          d.wCounts().set(v, e.count);
          d.wPeaks().set(v, e.count);
          if (d.escaped.has(v)) d.wEscaped().delete(v);
          break;
        case 'transfer':
          if (!d.escaped.has(v)) d.wEscaped().add(v);
          break;
        case 'handoff':
          if (!d.handed.has(v)) d.wHanded().add(v);
          break;
        case 'cond-get':
          // A reference already held on this path pins the object: the get cannot fail.
          if (this.uncheckedAt.has(ci) && (d.counts.get(v) ?? 0) < 1) this.unpinned.add(ci);
          if (!this.testedHere.has(ci) && call.assignedTo)
            d.wPending().set(call.assignedTo, `${v}|${ci}`);
          // Returned to the caller, or (unchecked) assumed to succeed as the code does.
          else if (!this.testedHere.has(ci)) this.bump(d, e.variable, +1, ci, true, trail);
          break;
        case 'returns-ref':
          if (e.alsoStores) {
            const kept = d.canon(e.alsoStores);
            if (!d.escaped.has(kept)) d.wEscaped().add(kept);
          }
          break;
      }
    }
  }

  /** What the node's assignments and escapes do to the state. */
  assigns(node: CfgNode, d: Draft): void {
    const assigns = node.assigns;
    for (let k = 0; k < assigns.length; k++) {
      const a = assigns[k];
      if (d.values.has(a.variable)) d.wValues().delete(a.variable);
      if (!this.refVars.has(a.variable)) continue;
      const same = copiedFrom(a, this.memberOf);
      if (same === a.variable) continue;
      // A parameter given another value: the caller's object stays counted under the
      // parameter's name, the name counts the new value apart (see renameParam).
      const param = this.params.has(a.variable);
      if (param) {
        if (this.renameParam(d, a.variable, same)) continue;
      }
      // The old value goes; its object stays counted under its other names, if any.
      else if (d.alias.size) this.forget(d, a.variable);
      if (same !== undefined) {
        // `nf = new;`: one object under two names, counted under the new one, unless
        // the object is a parameter's (`node = &entry->rb_node`): summaries ask by
        // parameter name.
        const old = d.canon(same);
        if (this.params.has(old)) {
          d.wAlias().set(a.variable, old);
          // The new name's old value is gone (forget() kept it only under other names).
          this.dropObject(d, a.variable);
          continue;
        }
        this.moveObject(d, old, a.variable);
        const al = d.wAlias();
        al.forEach((to, from) => {
          if (to === old) al.set(from, a.variable);
        });
        al.set(old, a.variable);
        continue;
      }
      const from = a.fromCall !== undefined ? this.effects[a.fromCall] : undefined;
      if (from?.kind === 'cond-get' || from?.kind === 'inherit' || from?.kind === 'cond-put')
        continue;
      // The key the new value is counted under: the name's own, or a parameter's shadow.
      const key = param ? shadowOf(a.variable) : a.variable;
      // Counts of the old object's fields go with it.
      const arrow = `${key}->`;
      const dot = `${key}.`;
      let stale: string[] | undefined;
      for (const k of d.counts.keys())
        if (k.startsWith(arrow) || k.startsWith(dot)) (stale ??= []).push(k);
      if (stale) for (const k of stale) d.wCounts().delete(k);
      const initial = from?.kind === 'returns-ref' ? (from.count ?? 1) : 0;
      d.wCounts().set(key, initial);
      d.wPeaks().set(key, initial);
      if (d.escaped.has(key)) d.wEscaped().delete(key);
      if (d.handed.has(key)) d.wHanded().delete(key);
      if (d.values.has(a.variable)) d.wValues().delete(a.variable);
      if (a.fromCall === undefined && d.pending.has(a.variable)) d.wPending().delete(a.variable);
    }
    // A status set to a constant (`err = -EFAULT`): later tests of it are decided.
    for (let k = 0; k < assigns.length; k++) {
      const a = assigns[k];
      if (a.constant !== undefined && this.correlated.has(a.variable))
        d.wValues().set(a.variable, ZERO.test(a.constant) ? '0' : `=${a.constant}`);
    }
    for (const v of node.escapes)
      if (this.refVars.has(v)) {
        const o = d.canon(v);
        if (!d.escaped.has(o)) d.wEscaped().add(o);
      }
  }

  /**
   * Parameter `p` is given another value (a copy of `same`, or a value of its own).
   * What happened to the caller's object stays under `p`, where summaries read it;
   * the name now counts under `same`'s key or under `p`'s shadow. If the caller's
   * object was counted, stored or handed on before, its fate from here on is out of
   * sight: the exit says the parameter was renamed. True when the copy is done.
   */
  private renameParam(d: Draft, p: string, same: string | undefined): boolean {
    if (d.alias.has(p)) d.wAlias().delete(p);
    const touched =
      (d.counts.get(p) ?? 0) !== 0 || d.escaped.has(p) || d.handed.has(p) || d.pending.has(p);
    if (touched && !d.values.has(RENAMED + p)) d.wValues().set(RENAMED + p, '1');
    if (same === undefined) {
      d.wAlias().set(p, shadowOf(p));
      return false;
    }
    const old = d.canon(same);
    if (old !== p) d.wAlias().set(p, old);
    return true;
  }

  /** `v` is assigned: its object, if it has other names, is counted under one of them. */
  private forget(d: Draft, v: string): void {
    if (d.alias.has(v)) {
      d.wAlias().delete(v);
      return;
    }
    let heir: string | undefined;
    for (const [from, to] of d.alias)
      if (to === v) {
        heir = from;
        break;
      }
    if (heir === undefined) return;
    const al = d.wAlias();
    al.delete(heir);
    al.forEach((to, from) => {
      if (to === v) al.set(from, heir);
    });
    this.moveObject(d, v, heir);
  }

  /** Forgets what was counted under `name` (and its fields). */
  private dropObject(d: Draft, name: string): void {
    for (const m of [d.counts, d.peaks]) {
      let stale = false;
      for (const k of m.keys()) if (fieldSuffix(k, name) !== undefined) stale = true;
      if (!stale) continue;
      const w = m === d.counts ? d.wCounts() : d.wPeaks();
      for (const k of [...w.keys()]) if (fieldSuffix(k, name) !== undefined) w.delete(k);
    }
    if (d.escaped.has(name)) d.wEscaped().delete(name);
    if (d.handed.has(name)) d.wHanded().delete(name);
  }

  /** The counts, peaks, escape and hand-over of object `from` (and its fields) now under `to`. */
  private moveObject(d: Draft, from: string, to: string): void {
    // Whatever `to` held before is gone with its old value.
    this.dropObject(d, to);
    for (const m of [d.wCounts(), d.wPeaks()]) {
      let moved: [string, number][] | undefined;
      for (const [k, x] of m) {
        const rest = fieldSuffix(k, from);
        if (rest === undefined) continue;
        m.delete(k);
        (moved ??= []).push([to + rest, x]);
      }
      if (moved) for (const [k, x] of moved) m.set(k, x);
      if (!m.has(to)) m.set(to, 0);
    }
    if (d.escaped.has(from)) {
      d.wEscaped().delete(from);
      d.escaped.add(to);
    }
    if (d.handed.has(from)) {
      d.wHanded().delete(from);
      d.handed.add(to);
    }
  }

  /** Records the exit when the state ends here (a return, the function's end). */
  ended(node: CfgNode, s: State, d: Draft, trail: Trail): boolean {
    if (node.kind === 'return') {
      const exit: ExitState = {
        returnClass: node.returnClass ?? 'void',
        counts: recordOf(d.counts),
        escaped: withAliases(d.escaped, d.alias, this.params),
        handed: withAliases(d.handed, d.alias, this.params),
        nulls: nullsOf(d.values),
        renamed: renamedOf(d.values),
        errorExit:
          node.returnClass === 'errno' ||
          node.returnClass === 'null' ||
          (node.returnClass === 'variable' &&
            node.returnsVariable !== undefined &&
            this.fn.varTypes[node.returnsVariable] === undefined &&
            d.values.get(node.returnsVariable) === '!0'),
        path: trailToPath(trail),
        line: node.line,
      };
      const status = statusOf(node, d.values);
      if (status) exit.status = status;
      if (node.returnsVariable) exit.returnsVariable = d.canon(node.returnsVariable);
      // `return ret;` where ret holds a conditional get's result: the caller tests it.
      const held = node.returnsVariable ? d.pending.get(node.returnsVariable) : undefined;
      if (held) {
        const [named, ci] = held.split('|');
        const target = d.canon(named);
        const e = this.effects[Number(ci)];
        if (e?.kind !== 'cond-put') exit.counts[target] = (exit.counts[target] ?? 0) + 1;
        else exit.counts[target] = (exit.counts[target] ?? 0) - 1;
        exit.returnsTestOf = Number(ci);
      }
      const tested = node.calls.find((ci) => {
        const e = this.effects[ci];
        return (
          this.fn.calls[ci].returned &&
          (e?.kind === 'cond-get' || e?.kind === 'final-put' || e?.kind === 'inherit')
        );
      });
      if (tested !== undefined) exit.returnsTestOf = tested;
      this.result.exits.push(exit);
      return true;
    }
    if (node.kind === 'exit') {
      const prevNode = s.trail ? this.cfg[s.trail.step.node] : undefined;
      if (prevNode?.kind !== 'return')
        this.result.exits.push({
          returnClass: 'void',
          counts: recordOf(d.counts),
          escaped: withAliases(d.escaped, d.alias, this.params),
          handed: withAliases(d.handed, d.alias, this.params),
          nulls: nullsOf(d.values),
          renamed: renamedOf(d.values),
          errorExit: false,
          path: trailToPath(trail),
          line: this.fn.span.endLine,
        });
      return true;
    }
    return false;
  }

  /** Hands the state on to the node's successors, refined per edge of a two-way branch. */
  edges(node: CfgNode, d: Draft, e2: Draft, trail: Trail): void {
    // Only a two-way branch refines the state per edge; other successors share it.
    const split = node.kind === 'cond' && node.succ.length === 2;
    for (let edge = 0; edge < node.succ.length; edge++) {
      const succ = node.succ[edge];
      if (!split) {
        this.work.push({
          node: succ,
          counts: d.counts,
          peaks: d.peaks,
          values: d.values,
          escaped: d.escaped,
          handed: d.handed,
          pending: d.pending,
          alias: d.alias,
          trail,
        });
        continue;
      }
      const values = feasible(node, edge === 0, d.values, this.correlated);
      if (!values) continue;
      // Per edge, maps are copied on their first write too.
      e2.startEdge(d, values);
      const onTrueEdge = edge === 0;
      for (const t of node.tests) {
        let value = onTrueEdge ? t.onTrue : t.onFalse;
        if (value === undefined) continue;
        if (t.call !== undefined) {
          const e = this.effects[t.call];
          const taken = e?.kind === 'cond-get' && e.invert ? !value : value;
          const v = e && e.kind !== 'returns-ref' ? d.canon(e.variable) : '';
          if ((e?.kind === 'cond-get' || e?.kind === 'inherit') && taken) {
            e2.wCounts().set(v, Math.min(CLAMP, (e2.counts.get(v) ?? 0) + 1));
            if (e.kind === 'cond-get')
              e2.wPeaks().set(v, Math.max(e2.peaks.get(v) ?? 0, e2.counts.get(v) ?? 0));
          }
          if (e?.kind === 'cond-put' && (e.invert ? !value : value))
            e2.wCounts().set(v, Math.max(-CLAMP, (e2.counts.get(v) ?? 0) - 1));
          if (e?.kind === 'final-put' && value && e.counter !== undefined)
            e2.wValues().set(`#released:${v}`, e.counter);
          const assigned = this.fn.calls[t.call].assignedTo;
          if (!value && assigned && this.effects[t.call]?.kind === 'returns-ref')
            e2.wCounts().set(d.canon(assigned), 0);
        } else if (t.variable !== undefined) {
          const held = e2.pending.get(t.variable);
          if (held !== undefined) {
            const [named, ci] = held.split('|');
            // Renamed since the call, perhaps: the name it is counted under now.
            const target = d.canon(named);
            const pe = this.effects[Number(ci)];
            const drops = pe?.kind === 'cond-put';
            if ((pe?.kind === 'cond-get' || pe?.kind === 'cond-put') && pe.invert) value = !value;
            if (value && drops)
              e2.wCounts().set(target, Math.max(-CLAMP, (e2.counts.get(target) ?? 0) - 1));
            else if (value) {
              e2.wCounts().set(target, Math.min(CLAMP, (e2.counts.get(target) ?? 0) + 1));
              if (pe?.kind === 'cond-get')
                e2.wPeaks().set(
                  target,
                  Math.max(e2.peaks.get(target) ?? 0, e2.counts.get(target) ?? 0),
                );
            }
            e2.wPending().delete(t.variable);
          } else if (!value) e2.wCounts().set(d.canon(t.variable), 0);
        }
      }
      this.work.push({
        node: succ,
        counts: e2.counts,
        peaks: e2.peaks,
        values: e2.values,
        escaped: d.escaped,
        handed: d.handed,
        pending: e2.pending,
        alias: d.alias,
        trail,
      });
    }
  }
}

/** The names in `set`, and every other name of their objects (a caller asks by any). */
function withAliases(
  set: ReadonlySet<string>,
  alias: ReadonlyMap<string, string>,
  /** A parameter that names another object now does not say its own object went. */
  params: ReadonlySet<string>,
): string[] {
  const out = [...set];
  if (alias.size && set.size)
    alias.forEach((to, from) => {
      if (set.has(to) && !set.has(from) && !params.has(from)) out.push(from);
    });
  return out;
}

/** Marks, in a path's values, a parameter whose name was given to another value. */
const RENAMED = '#renamed:';

/** The key a reassigned parameter's new values are counted under (no C name has a '#'). */
function shadowOf(p: string): string {
  return `${p}#`;
}

/** Parameters the values show renamed after their object was counted, stored or handed on. */
function renamedOf(values: ReadonlyMap<string, string>): string[] | undefined {
  let out: string[] | undefined;
  for (const k of values.keys())
    if (k.startsWith(RENAMED)) (out ??= []).push(k.slice(RENAMED.length));
  return out;
}

/** Variables the values show NULL/zero, in the values' order. */
function nullsOf(values: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [k, x] of values) if (x === '0') out.push(k);
  return out;
}

const COUNTING: ReadonlySet<RefEffect['kind']> = new Set([
  'get',
  'put',
  'final-put',
  'init',
  'cond-get',
  'cond-put',
  'inherit',
  'returns-ref',
  'put-all',
]);

/** Some call changes a reference count: the function's paths need exploring. */
function countsReferences(effects: readonly (RefEffect | undefined)[]): boolean {
  return effects.some((e) => e !== undefined && COUNTING.has(e.kind));
}

export function analyzeBalance(
  fn: FunctionFacts,
  effectOf: EffectOf,
  memberOf: MemberOf = () => undefined,
): BalanceResult {
  const result: BalanceResult = { exits: [], doublePuts: [], unchecked: [], truncated: false };
  const cfg = fn.cfg;
  const entry = cfg.find((n) => n.kind === 'entry');
  if (!entry) return result;
  const effects = fn.calls.map((_, i) => effectOf(i));
  const members = fn.calls.map((_, i) => memberOf(i));
  // Nothing here counts references: one summary exit, no path exploration. Objects
  // handed to containers still show as escaped (wrappers that store a parameter).
  if (!countsReferences(effects)) {
    const escaped = new Set<string>();
    for (const e of effects) if (e?.kind === 'transfer') escaped.add(e.variable);
    for (const n of cfg) for (const v of n.escapes) escaped.add(v);
    // What a stored name was assigned from went with it (`node = &ins->rb_node`, stored).
    for (let grew = escaped.size > 0; grew;) {
      grew = false;
      for (const n of cfg)
        for (const a of n.assigns) {
          const from = copiedFrom(a, members);
          if (from !== undefined && escaped.has(a.variable) && !escaped.has(from)) {
            escaped.add(from);
            grew = true;
          }
        }
    }
    result.exits.push({
      returnClass: 'void',
      counts: {},
      escaped: [...escaped],
      handed: [],
      nulls: [],
      errorExit: false,
      path: [],
      line: fn.span.endLine,
    });
    return result;
  }
  explorePaths(fn, entry, effects, members, result);
  return result;
}

/** The path exploration of a function whose calls change reference counts. */
function explorePaths(
  fn: FunctionFacts,
  entry: CfgNode,
  effects: readonly (RefEffect | undefined)[],
  memberOf: readonly (string | undefined)[],
  result: BalanceResult,
): void {
  const cfg = fn.cfg;
  // Discarded conditional gets: reported only if some path reaches them unpinned.
  const uncheckedAt = new Set<number>();
  // Only variables tested more than once can correlate branches; tracking others only multiplies states.
  const testCount = new Map<string, number>();
  for (const n of cfg)
    for (const t of n.tests)
      if (t.variable !== undefined) testCount.set(t.variable, (testCount.get(t.variable) ?? 0) + 1);
  const refVars = new Set<string>();
  for (const e of effects) if (e && e.kind !== 'returns-ref') refVars.add(e.variable);
  // Variables that can hold a tracked reference: effect targets, results of effectful
  // calls, and their aliases. Everything else is left out of the state.
  fn.calls.forEach((c, i) => {
    if (effects[i] && c.assignedTo) refVars.add(c.assignedTo);
  });
  for (let changed = true; changed;) {
    changed = false;
    for (const n of cfg)
      for (const a of n.assigns) {
        const from = copiedFrom(a, memberOf);
        if (from !== undefined && refVars.has(from) !== refVars.has(a.variable)) {
          refVars.add(a.variable);
          refVars.add(from);
          changed = true;
        }
      }
  }
  // ... and returned status variables, so an error return is recognised as one.
  const returned = new Set(cfg.map((n) => n.returnsVariable).filter((v): v is string => !!v));
  const correlated = new Set(
    [...testCount].filter(([v, n]) => n > 1 || refVars.has(v) || returned.has(v)).map(([v]) => v),
  );
  // A wrapper's status (`int err = 0; ... err = -EBUSY; ... return err;`, no object), tested or not:
  // its exits then say whether they return 0 or an error code (ExitState.status).
  if (fn.params.some((p) => p && refVars.has(p)))
    for (const n of cfg)
      for (const a of n.assigns)
        if (
          a.constant !== undefined &&
          returned.has(a.variable) &&
          !refVars.has(a.variable) &&
          fn.varTypes[a.variable] === undefined
        )
          correlated.add(a.variable);
  // Cond-gets tested in the same node are applied per edge; others need a variable.
  const testedHere = new Set<number>();
  for (const n of cfg) for (const t of n.tests) if (t.call !== undefined) testedHere.add(t.call);
  fn.calls.forEach((c, i) => {
    const e = effects[i];
    if (e?.kind === 'cond-get' && !testedHere.has(i) && c.discarded) uncheckedAt.add(i);
  });

  // Statement nodes that cannot change the state: no effect, no tracked assignment or escape.
  const inert = cfg.map(
    (n) =>
      n.kind === 'stmt' &&
      n.calls.every((ci) => effects[ci] === undefined) &&
      n.assigns.every((a) => !refVars.has(a.variable) && !correlated.has(a.variable)) &&
      n.escapes.every((v) => !refVars.has(v)),
  );
  // One step object per node: every path through it shares it (paths are read, never changed).
  const stepAt: PathStep[] = cfg.map((n) => ({ line: n.line, node: n.id }));
  // States can only meet again where paths join: only there is a state compared.
  const preds = new Array<number>(cfg.length).fill(0);
  for (const n of cfg) for (const x of n.succ) preds[x]++;
  const walk = new Walk(
    result,
    fn,
    cfg,
    effects,
    refVars,
    correlated,
    testedHere,
    uncheckedAt,
    memberOf,
  );
  walkPaths(walk, cfg, entry.id, inert, preds, stepAt, result);
  const unpinned = walk.unpinned;
  result.unchecked = [...uncheckedAt].filter((ci) => unpinned.has(ci)).sort((a, b) => a - b);
}

/**
 * The paths from `entry`, depth first; a state is compared with those seen
 * before only where paths join, and the walk is bounded in states and steps.
 */
function walkPaths(
  walk: Walk,
  cfg: CfgNode[],
  entry: number,
  inert: boolean[],
  preds: number[],
  stepAt: PathStep[],
  result: BalanceResult,
): void {
  const seen = new Set<string>();
  const keyParts = new Map<object, string>();
  const work = walk.work;
  work.push({
    node: entry,
    counts: new Map(),
    peaks: new Map(),
    values: new Map(),
    escaped: new Set(),
    handed: new Set(),
    pending: new Map(),
    alias: new Map(),
    trail: undefined,
  });
  const d = new Draft();
  const e2 = new Draft();
  let steps = 0;
  while (work.length) {
    const s = work.pop() as State;
    if (++steps > MAX_STEPS) {
      result.truncated = true;
      break;
    }
    if (preds[s.node] > 1) {
      const k = keyOf(s, keyParts);
      if (seen.has(k)) continue;
      if (seen.size >= MAX_STATES) {
        result.truncated = true;
        break;
      }
      seen.add(k);
    }
    const node: CfgNode = cfg[s.node];
    const trail: Trail = { step: stepAt[node.id], prev: s.trail };
    // Nothing here changes the state: hand it on as it is (states are never mutated in place).
    if (inert[node.id]) {
      // A literal, not a spread: V8 copies a spread property by property, generically.
      for (const succ of node.succ)
        work.push({
          node: succ,
          counts: s.counts,
          peaks: s.peaks,
          values: s.values,
          escaped: s.escaped,
          handed: s.handed,
          pending: s.pending,
          alias: s.alias,
          trail,
        });
      continue;
    }
    d.start(s);
    walk.calls(node, d, trail);
    walk.assigns(node, d);
    if (walk.ended(node, s, d, trail)) continue;
    walk.edges(node, d, e2, trail);
  }
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
    // Only error exits: a reference kept on the way out of a failure is the classic leak.
    const leaking = result.exits.find((e) => held(e) && e.errorExit);
    const balanced = result.exits.find(
      (e) => !held(e) && (e.counts[v] ?? 0) <= 0 && !e.handed.includes(v),
    );
    if (leaking && balanced) out.push({ variable: v, leaking, balanced });
  }
  return out;
}

/**
 * The values on the edge of a branch given what earlier tests showed (`values`
 * itself when the edge adds nothing, else a copy with the facts it adds), or
 * undefined when the edge cannot be taken. A tiny value domain: enough to see that `if (!err)`
 * and a later `while (err == -EEXIST)` cannot both hold.
 */
function feasible(
  node: CfgNode,
  trueEdge: boolean,
  values: Map<string, string>,
  tracked: Set<string>,
): Map<string, string> | undefined {
  let out = values;
  const set = (k: string, v: string) => {
    if (out.get(k) === v) return;
    if (out === values) out = new Map(values);
    out.set(k, v);
  };
  for (const t of node.tests) {
    if (t.variable === undefined || !tracked.has(t.variable)) continue;
    const b = trueEdge ? t.onTrue : t.onFalse;
    if (b === undefined) continue;
    const cur = out.get(t.variable);
    if (t.negative) {
      // Known sign: '0' and positive constants are not negative; '=-E...' and '<0' are.
      const neg =
        cur === '<0' || cur?.startsWith('=-')
          ? true
          : cur === '0' || (cur?.startsWith('=') && /^=\d|^=[A-Z]/.test(cur))
            ? false
            : undefined;
      if (neg !== undefined && neg !== b) return undefined;
      if (neg === undefined && b) set(t.variable, '<0');
    } else if (t.equals === undefined) {
      if (b) {
        if (cur === '0') return undefined;
        if (cur === undefined) set(t.variable, '!0');
      } else {
        if (cur === '!0' || cur === '<0' || (cur?.startsWith('=') && cur !== '=0'))
          return undefined;
        set(t.variable, '0');
      }
    } else {
      const k = t.equals === '0' ? '0' : `=${t.equals}`;
      if (b) {
        const open = (cur === '!0' && k !== '0') || (cur === '<0' && k.startsWith('=-'));
        if (cur !== undefined && cur !== k && !open) return undefined;
        set(t.variable, k);
      } else if (cur === k) return undefined;
    }
  }
  return out;
}

/** The status a return node gives back, from its class or the value its variable is known to hold. */
function statusOf(
  node: CfgNode,
  values: ReadonlyMap<string, string>,
): ExitState['status'] | undefined {
  if (node.returnClass === 'zero') return 'zero';
  if (node.returnClass === 'errno') return 'errno';
  if (node.returnClass !== 'variable' || node.returnsVariable === undefined) return undefined;
  const v = values.get(node.returnsVariable);
  if (v === '0') return 'zero';
  return v === '!0' || v?.startsWith('=-') ? 'errno' : undefined;
}
