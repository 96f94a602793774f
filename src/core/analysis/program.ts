// The set of analysed files as one program: function lookup across files and
// the classification of every call site (catalog entry or derived wrapper).
import type { CatalogIndex } from '../catalog/catalog';
import type { CallEntry } from '../catalog/catalogTypes';
import type { ArgFact, FileFacts, FunctionFacts } from '../facts/factTypes';
import { ownNames } from '../facts/nameRecord';
import type { CallRole, FunctionSummary, TypeSource } from '../model';
import { exprType, holderType } from '../types/exprType';
import { TypeEnv } from '../types/typeEnv';
import type { RefEffect } from './balance';
import { classifyCounters, counterKey, type CounterKinds } from './counters';
import { AnalysisMemo } from './memo';
import { wrapperOfSummary, type CalleeSummary, type SummarySource } from './calleeSummary';
import { GuardCache } from './pathConditions';

/** What the body of a function says about references (derived, not from its name). */
export interface DerivedWrapper {
  wrapper?: FunctionSummary['wrapper'];
  wrapperParam?: number;
  returnsRef: boolean;
  objectType?: string;
  /** The "get" only takes over a container's reference (a successful unhash or LRU removal). */
  takesOver?: boolean;
  /** A get-conditional wrapper returning 0 on success and an error code otherwise. */
  successWhenZero?: boolean;
  /** Parameters the function stores somewhere that keeps them (hash table, list, field). */
  storesParams?: number[];
  /** Parameters the function takes off a container (hash table, LRU, list, tree). */
  removesParams?: number[];
  /** Parameters the function frees on every path (a free function: kfree and kin). */
  freesParams?: number[];
  /**
   * Parameters it gives, as the object itself, to code whose effect on them is not
   * known (no body or summary, an indirect call, or a callee that does the same): a
   * caller cannot tell from its summary whether it released or kept them.
   */
  passesParams?: number[];
  /** A put wrapper that drops the reference on some paths only. */
  partialPut?: boolean;
  /**
   * Returns an object it also handed to a container (a tree, a list) on that exit:
   * whether one of the counted references is the caller's, the count cannot tell.
   */
  returnsShared?: boolean;
  /** The counter field a get/put wrapper acts on (`s_active`), when its body says. */
  counter?: string;
  /** References the returned object carries when above one (kref_init + kref_get for a completion). */
  returnsCount?: number;
  /**
   * A put wrapper whose drop is a holder's reference, not the caller's: it removes its
   * object from a container first, or drops only after claiming the object's flag bit.
   */
  removalPut?: boolean;
}

export interface Classification {
  role: CallRole;
  source: string;
  entry?: CallEntry;
  derivedFrom?: FunctionFacts;
  /** The wrapper read from the summary of a callee defined outside the analysed files. */
  external?: DerivedWrapper;
  /** Variable the role acts on. */
  variable?: string;
  objectType?: string;
  typeSource?: TypeSource;
}

const FROM_CATALOG = Symbol('catalog entry');
const NOT_YET = Symbol('not computed');

/**
 * The call sites of one function, by call index. Classification and effect
 * depend only on the callee's derived wrapper (`from`; catalog entries on
 * nothing that changes during an analysis).
 */
interface FunctionSites {
  version: number;
  callee: (FunctionFacts | undefined)[];
  from: (DerivedWrapper | undefined | typeof FROM_CATALOG)[];
  c: (Classification | undefined)[];
  effect: (RefEffect | undefined | typeof NOT_YET)[];
}

export class Program {
  readonly functions: FunctionFacts[] = [];
  private readonly byName = new Map<string, FunctionFacts[]>();
  readonly derived = new Map<FunctionFacts, DerivedWrapper>();
  /** Refcount field -> the struct types declaring a counter of that name. */
  readonly refFieldOwners = new Map<string, Set<string>>();
  /** Declared types of everything analysed (structs, typedefs, globals, locals, returns). */
  readonly env: TypeEnv;
  /** Which counters are reference counts and which only count usage. */
  readonly counters: CounterKinds;
  /** Object types whose LRU holds a reference (a get next to list_lru_add on the same object). */
  readonly lruOwnsReference = new Set<string>();
  /** Why a container is believed to own a reference, per object type (first evidence each). */
  readonly ownerEvidence = new Map<
    string,
    { holder: 'lru' | 'hash' | 'list'; reason: string; fn: FunctionFacts; callIndex: number }[]
  >();
  /**
   * Lists that hold a reference, as `struct.field` of the list node (a get next to the
   * list_add of that node): taking the object off such a list hands its reference on.
   */
  readonly listOwnsReference = new Set<string>();
  /** Object types whose hash table holds a (sentinel) reference (a get next to the insert). */
  readonly hashOwnsReference = new Set<string>();
  /** Guards worked out in this analysis (release path conditions, LRU isolations). */
  readonly guards = new GuardCache();

  constructor(
    readonly files: FileFacts[],
    readonly catalog: CatalogIndex,
    /** Kept by hosts that re-analyse after edits; a fresh one serves a single run. */
    private readonly memo: AnalysisMemo = new AnalysisMemo(catalog),
    /** Summaries of callees defined outside the analysed files (kernel-tree index, helper facts). */
    readonly external?: SummarySource,
  ) {
    for (const f of files) {
      for (const fn of f.functions) {
        // Facts that crossed a thread or came from a cache: their name records have a prototype again.
        fn.varTypes = ownNames(fn.varTypes);
        if (fn.declTypes) fn.declTypes = ownNames(fn.declTypes);
        this.functions.push(fn);
        this.byName.set(fn.name, [...(this.byName.get(fn.name) ?? []), fn]);
      }
      for (const r of f.refFields) {
        const owners = this.refFieldOwners.get(r.field) ?? new Set<string>();
        this.refFieldOwners.set(r.field, owners.add(r.struct));
      }
    }
    this.env = new TypeEnv(files, catalog.containerMacros);
    this.counters = classifyCounters(this);
    this.findContainerOwners();
  }

  /**
   * Which containers own a reference, from what functions do to one object:
   * a get next to list_lru_add / hash insert, or a put right after taking the
   * object off the LRU / out of the hash (directly or through a helper).
   */
  /**
   * `afterSummaries`: run again once wrappers are derived, so gets and puts through
   * wrappers (widget_get next to the insert, a removal-put) count as evidence too.
   * That pass only adds holder evidence: the balance already ran on the first one.
   */
  findContainerOwners(afterSummaries = false): void {
    // Parameters a function takes off the LRU or out of the hash, directly.
    const removes = new Map<FunctionFacts, { lru: Set<number>; hash: Set<number> }>();
    for (const fn of this.functions) {
      const r = { lru: new Set<number>(), hash: new Set<number>() };
      const entries = this.entries(fn);
      for (const [ci, c] of fn.calls.entries()) {
        const e = entries[ci];
        const obj = e?.arg !== undefined ? c.args[e.arg]?.object : undefined;
        const i = obj ? fn.params.indexOf(obj) : -1;
        if (i >= 0 && e?.role === 'lru-del') r.lru.add(i);
        if (i >= 0 && e?.role === 'hash-remove') r.hash.add(i);
      }
      if (r.lru.size || r.hash.size) removes.set(fn, r);
    }
    for (const fn of this.functions) {
      // Evidence needs an LRU add or hash insert, or a put next to a removal.
      let adds = false;
      let puts = false;
      let removal = false;
      const entries = this.entries(fn);
      const callees = this.callees(fn);
      const roleOf = (ci: number): CallRole | undefined => {
        const e = entries[ci];
        if (e || !afterSummaries) return e?.role;
        const callee = callees[ci];
        const w = callee ? this.derived.get(callee)?.wrapper : undefined;
        // Only gets: a wrapper's put after a removal may be the caller's own (an error path).
        return w === 'get' ? 'ref-get' : undefined;
      };
      for (let ci = 0; ci < fn.calls.length; ci++) {
        const r = roleOf(ci);
        if (r === 'lru-add' || r === 'hash-insert' || r === 'list-add') adds = true;
        else if (r === 'ref-put' || r === 'ref-final-put') puts = true;
        else if (r === 'lru-del' || r === 'hash-remove') removal = true;
        else if (!r) {
          const callee = callees[ci];
          if (callee && removes.has(callee)) removal = true;
        }
      }
      if (!adds && !(puts && removal)) continue;
      const tested = new Set<number>();
      for (const n of fn.cfg) for (const t of n.tests) if (t.call !== undefined) tested.add(t.call);
      // Calls are in source order; operators are skipped: logging and tracing calls do not count.
      const ops = fn.calls
        .map((call, index) => {
          const e = entries[index];
          let role = roleOf(index);
          let object = e?.arg !== undefined ? call.args[e.arg]?.object : undefined;
          if (!e && role) {
            const p = this.derived.get(callees[index] as FunctionFacts)?.wrapperParam;
            object = p !== undefined ? call.args[p]?.object : undefined;
          } else if (!e) {
            const callee = callees[index];
            const r = callee ? removes.get(callee) : undefined;
            const viaLru = r && [...r.lru].map((i) => call.args[i]?.object).find(Boolean);
            const viaHash = r && [...r.hash].map((i) => call.args[i]?.object).find(Boolean);
            if (viaLru) [role, object] = ['lru-del', viaLru];
            else if (viaHash) [role, object] = ['hash-remove', viaHash];
          }
          return { role, object, index, call };
        })
        .filter((o) => o.role !== undefined && !this.catalog.isLogging(o.call.callee));
      const put = (o: { role?: string }) => o.role === 'ref-put' || o.role === 'ref-final-put';
      ops.forEach((op) => {
        const type = this.typeOf(fn, op.object);
        if (!type || !op.object) return;
        const sameObject = ops.filter((o) => o.object === op.object);
        const k = sameObject.indexOf(op);
        const near = sameObject.slice(Math.max(0, k - 2), k + 3);
        const note = (holder: 'lru' | 'hash' | 'list', reason: string) => {
          if (!afterSummaries && holder !== 'list')
            (holder === 'lru' ? this.lruOwnsReference : this.hashOwnsReference).add(type);
          const list = this.ownerEvidence.get(type) ?? [];
          if (!list.some((e) => e.holder === holder))
            list.push({ holder, reason, fn, callIndex: op.index });
          this.ownerEvidence.set(type, list);
        };
        const id = this.idOf(fn);
        // A get next to list adds belongs to the nearest one (one reference, one list:
        // an object put on two lists with one get is held by just one of them).
        if (op.role === 'ref-get') {
          // A list head on the stack is a dispose list on its way out: no owner.
          const adds = near.filter(
            (o) => o.role === 'list-add' && !this.isLocalListHead(fn, o.call.args[1]),
          );
          const dist = (o: (typeof adds)[number]) => Math.abs(sameObject.indexOf(o) - k);
          const nearest = adds.sort((a, b) => dist(a) - dist(b) || b.index - a.index)[0];
          const node = nearest && this.listNodeOf(fn, nearest.index);
          if (node) {
            if (!afterSummaries) this.listOwnsReference.add(`${type}.${node}`);
            note('list', `${id}() takes a reference when adding to the ${node} list`);
          }
        }
        if (op.role === 'lru-add' && near.some((o) => o.role === 'ref-get'))
          note('lru', `${id}() takes a reference when adding to the LRU`);
        if (op.role === 'hash-insert' && near.some((o) => o.role === 'ref-get'))
          note(
            'hash',
            `${id}() takes a reference for the hash table when hashing (a sentinel reference)`,
          );
        if (!put(op)) return;
        // The reference a put drops belongs to the container the object was just taken
        // from: the nearest removal before it (an LRU removal only when its result was tested).
        for (let j = k - 1; j >= Math.max(0, k - 3); j--) {
          const prev = sameObject[j];
          if (prev.role === 'lru-del' && tested.has(prev.index)) {
            note(
              'lru',
              `${id}() drops the LRU's reference after a successful ${prev.call.callee}()`,
            );
            break;
          }
          if (prev.role === 'hash-remove') {
            note(
              'hash',
              `${id}() unhashes with ${prev.call.callee}() and then drops the hash table's reference`,
            );
            break;
          }
        }
      });
    }
  }

  /**
   * `&name` of a local: a list head on this function's stack (declared here, or by a
   * macro such as LIST_HEAD(name), so neither a parameter nor a known global).
   */
  private isLocalListHead(fn: FunctionFacts, head: { text: string } | undefined): boolean {
    const name = head?.text.trim().match(/^&\s*([A-Za-z_]\w*)$/)?.[1];
    if (name === undefined || fn.params.includes(name)) return false;
    return fn.declTypes?.[name] !== undefined || this.env.varType(undefined, name) === undefined;
  }

  /** The list node field a catalogued list call acts on (`copies` in `list_del(&c->copies)`). */
  private listNodeOf(fn: FunctionFacts, index: number): string | undefined {
    const e = this.entries(fn)[index];
    return e?.arg !== undefined ? fn.calls[index].args[e.arg]?.field : undefined;
  }

  /** The definition a call from `fromFile` reaches: same file first, then a non-static one. */
  resolve(name: string, fromFile: string): FunctionFacts | undefined {
    const defs = this.byName.get(name);
    if (!defs) return undefined;
    if (defs.length === 1)
      return defs[0].file === fromFile || !defs[0].isStatic ? defs[0] : undefined;
    const key = `${name}\u0000${fromFile}`;
    if (!this.resolved.has(key))
      this.resolved.set(
        key,
        defs.find((d) => d.file === fromFile) ?? defs.find((d) => !d.isStatic),
      );
    return this.resolved.get(key);
  }

  private readonly resolved = new Map<string, FunctionFacts | undefined>();
  private readonly calleesOf = new Map<FunctionFacts, readonly (FunctionFacts | undefined)[]>();
  private readonly sites = new Map<FunctionFacts, FunctionSites>();
  /** Bumped whenever a derived wrapper changes: sites checked at this version are current. */
  private version = 0;

  /** The definition each call of `fn` reaches (by call index; resolve() per call site). */
  callees(fn: FunctionFacts): readonly (FunctionFacts | undefined)[] {
    let c = this.calleesOf.get(fn);
    if (!c)
      this.calleesOf.set(fn, (c = fn.calls.map((call) => this.resolve(call.callee, fn.file))));
    return c;
  }

  private readonly externalOf = new Map<FunctionFacts, readonly (CalleeSummary | undefined)[]>();

  /**
   * Per call of `fn`: the summary of a callee with no body here and no catalog
   * entry, when a summary source knows it.
   */
  externalSummaries(fn: FunctionFacts): readonly (CalleeSummary | undefined)[] {
    let s = this.externalOf.get(fn);
    if (!s) {
      const entries = this.entries(fn);
      const callees = this.callees(fn);
      const ext = this.external;
      s = fn.calls.map((c, i) =>
        ext && !entries[i] && !callees[i] && !c.callee.startsWith('->')
          ? ext.summary(c.callee, fn.file)
          : undefined,
      );
      this.externalOf.set(fn, s);
    }
    return s;
  }

  /** Records what a function's body says; classifications made from the old one are redone. */
  setDerived(fn: FunctionFacts, d: DerivedWrapper): void {
    this.derived.set(fn, d);
    this.version++;
  }

  /** The catalog entry of each call of `fn` (by call index), if it has one. */
  entries(fn: FunctionFacts): readonly (CallEntry | undefined)[] {
    return this.memo.catalogEntries(fn, () =>
      fn.calls.map((c) => this.catalog.calls.get(c.callee)),
    );
  }

  /**
   * Per call: the object a function that is no known wrapper may release, given an
   * embedded member (`&nf->nf_mark`: fsnotify_put_mark); a plain pointer is only a use.
   */
  private handoffs(fn: FunctionFacts): readonly (string | undefined)[] {
    return this.memo.handoffs(fn, () =>
      fn.calls.map((call) =>
        this.catalog.isLogging(call.callee)
          ? undefined
          : call.args.find(
              (a) => a.object && a.text.trimStart().startsWith('&') && /^\w+$/.test(a.object),
            )?.object,
      ),
    );
  }

  /**
   * Whether call `index` of `fn` gives its argument `arg` to code whose effect on
   * it is not known: an indirect call (any implementation may release or keep it),
   * or a callee whose summary says it does that itself (passesParams). Catalogued
   * primitives and logging are known; a name with no definition anywhere is a
   * macro or an inline the tree spells as one (IS_ERR_VALUE), not a releaser.
   */
  opaqueArg(fn: FunctionFacts, index: number, arg: number): boolean {
    if (this.unseenCall(fn, index)) return true;
    if (this.entries(fn)[index]) return false;
    const callee = this.callees(fn)[index];
    const passes = callee
      ? this.derived.get(callee)?.passesParams
      : this.externalSummaries(fn)[index]?.passesParams;
    return passes?.includes(arg) ?? false;
  }

  /**
   * Call `index` of `fn` goes where nothing says what it does: an indirect call, or
   * a function with no body, no summary and no catalog entry (logging aside).
   */
  unseenCall(fn: FunctionFacts, index: number): boolean {
    const call = fn.calls[index];
    if (this.entries(fn)[index] || this.catalog.isLogging(call.callee)) return false;
    if (call.callee.startsWith('->')) return true;
    return !this.callees(fn)[index] && !this.externalSummaries(fn)[index];
  }

  /** Display id: the name, qualified by file when several static functions share it. */
  idOf(fn: FunctionFacts): string {
    const defs = this.byName.get(fn.name);
    return defs && defs.length > 1 && fn.isStatic ? `${fn.name}@${fn.file}` : fn.name;
  }

  /** Struct type of the object `object` designates in `fn` (see objectType). */
  typeOf(
    fn: FunctionFacts,
    object: string | undefined,
    field?: string,
    line?: number,
  ): string | undefined {
    return this.objectType(fn, object, field, line)?.type;
  }

  private readonly typed = new Map<FunctionFacts, Map<string, ReturnType<Program['objectType']>>>();

  /**
   * Struct type of the object `object` (an access path) designates at `line` of `fn`:
   * its declared type first; only when that is unknown, the one struct declaring a
   * counter named `field` (a guess, and said so). Two structs sharing a field name
   * never make a guess.
   */
  objectType(
    fn: FunctionFacts,
    object: string | undefined,
    field?: string,
    line?: number,
  ): { type: string; source: TypeSource } | undefined {
    const key = `${object ?? ''}\u0000${field ?? ''}\u0000${fn.scoped ? (line ?? '') : ''}`;
    let byFn = this.typed.get(fn);
    if (!byFn) this.typed.set(fn, (byFn = new Map()));
    if (byFn.has(key)) return byFn.get(key);
    let r: { type: string; source: TypeSource } | undefined;
    const declaredType = object
      ? this.env.structName(exprType(this.env, fn, object, line))
      : undefined;
    if (declaredType) r = { type: declaredType, source: 'declared' };
    else if (object && /^\w+$/.test(object) && fn.varTypes[object])
      r = { type: fn.varTypes[object], source: 'declared' };
    else if (field) {
      const owners = this.refFieldOwners.get(field);
      if (owners?.size === 1) r = { type: [...owners][0], source: 'field-name-guess' };
    }
    byFn.set(key, r);
    return r;
  }

  /**
   * Struct type of the object an argument designates: through its access path, or for
   * `&expr->field` with no path (`&container_of(...)->ref`), the struct holding the field.
   */
  argType(
    fn: FunctionFacts,
    arg: ArgFact,
    line: number,
  ): { type: string; source: TypeSource } | undefined {
    if (!arg.object && arg.field) {
      const holder = this.env.structName(holderType(this.env, fn, arg.text, line));
      if (holder) return { type: holder, source: 'declared' };
    }
    return this.objectType(fn, arg.object, arg.field, line);
  }

  /** Struct type of a derived wrapper's object: what its body says, else the parameter's declared type. */
  wrapperType(fn: FunctionFacts, d: DerivedWrapper): string | undefined {
    if (d.objectType) return d.objectType;
    const p = d.wrapperParam !== undefined ? fn.params[d.wrapperParam] : undefined;
    return p ? this.env.structName(this.env.varType(fn, p)) : undefined;
  }

  /** What call `index` of `fn` is (catalog entry or derived wrapper), if anything. */
  classify(fn: FunctionFacts, index: number): Classification | undefined {
    return this.sitesOf(fn).c[index];
  }

  /**
   * The call sites of `fn`, classified. A site is redone only when its callee's
   * derived wrapper is another object than the one it was classified from.
   */
  private sitesOf(fn: FunctionFacts): FunctionSites {
    let s = this.sites.get(fn);
    if (s && s.version === this.version) return s;
    if (!s) {
      const entries = this.entries(fn);
      const callees = this.callees(fn);
      s = { version: -1, from: [], c: [], effect: [], callee: [] };
      for (let i = 0; i < fn.calls.length; i++) {
        const entry = entries[i];
        const callee = entry ? undefined : callees[i];
        s.callee.push(callee);
        s.from.push(entry ? FROM_CATALOG : callee ? this.derived.get(callee) : undefined);
        s.c.push(this.classifyUncached(fn, i, entry));
        s.effect.push(NOT_YET);
      }
      this.sites.set(fn, s);
    } else
      for (let i = 0; i < fn.calls.length; i++) {
        const callee = s.callee[i];
        if (s.from[i] === FROM_CATALOG || !callee) continue;
        const from = this.derived.get(callee);
        if (s.from[i] === from) continue;
        s.from[i] = from;
        s.c[i] = this.classifyUncached(fn, i, undefined);
        s.effect[i] = NOT_YET;
      }
    s.version = this.version;
    return s;
  }

  private classifyUncached(
    fn: FunctionFacts,
    index: number,
    entry: CallEntry | undefined,
  ): Classification | undefined {
    const call = fn.calls[index];
    if (entry) {
      const arg = entry.arg !== undefined ? call.args[entry.arg] : undefined;
      const t = arg ? this.argType(fn, arg, call.at.line) : undefined;
      if (entry.refKind && arg?.field) {
        const key = counterKey(t?.type, arg.field);
        // A usage (in-flight) counter is no reference count; an atomic_t is one only
        // when its last drop is seen guarding a release.
        if (this.counters.usage.has(key)) return undefined;
        if (entry.refKind === 'atomic_t' && !this.counters.reference.has(key)) return undefined;
      } else if (entry.refKind === 'atomic_t') return undefined;
      const c: Classification = { role: entry.role, source: 'catalog', entry };
      if (arg?.object) c.variable = arg.object;
      if (t) {
        c.objectType = t.type;
        c.typeSource = t.source;
      }
      return c;
    }
    const callee = this.callees(fn)[index];
    const summary = callee ? undefined : this.externalSummaries(fn)[index];
    const d = callee ? this.derived.get(callee) : summary ? wrapperOfSummary(summary) : undefined;
    if (!d?.wrapper) return undefined;
    const role: CallRole =
      d.wrapper === 'get' || d.wrapper === 'take-over'
        ? 'ref-get'
        : d.wrapper === 'get-conditional'
          ? 'ref-get-conditional'
          : d.wrapper === 'put'
            ? 'ref-put'
            : 'ref-final-put';
    const c: Classification = callee
      ? { role, source: `derived from ${callee.name}`, derivedFrom: callee }
      : {
          role,
          source: `summary of ${call.callee} (${summary?.file}:${summary?.line})`,
          external: d,
        };
    const arg = d.wrapperParam !== undefined ? call.args[d.wrapperParam] : undefined;
    if (arg?.object) c.variable = arg.object;
    const own = callee ? this.wrapperType(callee, d) : d.objectType;
    const t = own
      ? { type: own, source: 'declared' as const }
      : this.objectType(fn, arg?.object, undefined, call.at.line);
    if (t) {
      c.objectType = t.type;
      c.typeSource = t.source;
    }
    return c;
  }

  /** The reference effect of call `index` in `fn`, for the balance analysis. */
  effect(fn: FunctionFacts, index: number): RefEffect | undefined {
    const s = this.sitesOf(fn);
    let e = s.effect[index];
    if (e === NOT_YET) s.effect[index] = e = oneShape(this.effectUncached(fn, index, s.c[index]));
    return e;
  }

  /** The counter field a classified get/put acts on: its argument's field, or the wrapper's. */
  private counterOf(c: Classification, call: FunctionFacts['calls'][number]): string | undefined {
    if (c.entry?.arg !== undefined) return call.args[c.entry.arg]?.field;
    return this.wrapperOf(c)?.counter;
  }

  /** The derived wrapper a classification was made from (a body here or a summary). */
  private wrapperOf(c: Classification): DerivedWrapper | undefined {
    return c.derivedFrom ? this.derived.get(c.derivedFrom) : c.external;
  }

  private effectUncached(
    fn: FunctionFacts,
    index: number,
    c: Classification | undefined,
  ): RefEffect | undefined {
    const call = fn.calls[index];
    if (c?.variable) {
      switch (c.role) {
        case 'ref-get':
          if (this.wrapperOf(c)?.wrapper === 'take-over')
            return { kind: 'inherit', variable: c.variable };
          // Taken for the field the result is stored in: that field holds it, not the caller.
          if (call.stored) return { kind: 'transfer', variable: c.variable };
          return withCounter({ kind: 'get', variable: c.variable }, this.counterOf(c, call));
        case 'ref-put':
          // A removal-put drops the container's (or flag's) reference, not the caller's.
          if (this.wrapperOf(c)?.removalPut) return { kind: 'remove', variable: c.variable };
          // Dropped (or kept elsewhere) when it returns 0; an error leaves it with the caller.
          if (this.wrapperOf(c)?.successWhenZero)
            return { kind: 'cond-put', variable: c.variable, invert: true };
          return c.entry?.conditional
            ? { kind: 'cond-put', variable: c.variable }
            : withCounter({ kind: 'put', variable: c.variable }, this.counterOf(c, call));
        case 'ref-final-put': {
          if (c.entry?.amountArg === undefined)
            return withCounter(
              { kind: 'final-put', variable: c.variable },
              this.counterOf(c, call),
            );
          const n = Number(call.args[c.entry.amountArg]?.text);
          return Number.isInteger(n) && n > 0
            ? { kind: 'final-put', variable: c.variable, amount: n }
            : { kind: 'put-all', variable: c.variable };
        }
        case 'lru-del':
        case 'hash-remove': {
          // Where the LRU or the hash table owns a reference, taking an object off it
          // hands that reference to the caller.
          const owners = c.role === 'lru-del' ? this.lruOwnsReference : this.hashOwnsReference;
          return c.objectType && owners.has(c.objectType)
            ? { kind: 'inherit', variable: c.variable }
            : { kind: 'remove', variable: c.variable };
        }
        case 'list-del': {
          // Off a list that holds a reference: that reference is the caller's now.
          const node = this.listNodeOf(fn, index);
          return c.objectType && node && this.listOwnsReference.has(`${c.objectType}.${node}`)
            ? { kind: 'inherit', variable: c.variable }
            : { kind: 'remove', variable: c.variable };
        }
        case 'ref-init': {
          const n = Number(call.args[1]?.text);
          return { kind: 'init', variable: c.variable, count: Number.isInteger(n) ? n : 1 };
        }
        case 'ref-get-conditional':
          if (this.wrapperOf(c)?.takesOver) return { kind: 'inherit', variable: c.variable };
          if (this.wrapperOf(c)?.returnsRef) return { kind: 'returns-ref' };
          return this.wrapperOf(c)?.successWhenZero
            ? { kind: 'cond-get', variable: c.variable, invert: true }
            : { kind: 'cond-get', variable: c.variable };
        case 'hash-insert':
        case 'lru-add':
        case 'list-add':
          return { kind: 'transfer', variable: c.variable };
        // Freeing the memory ends every reference the function held (a never-published object).
        case 'free':
          return { kind: 'put-all', variable: c.variable };
        default:
          return undefined;
      }
    }
    if (c) return undefined;
    const callee = this.callees(fn)[index];
    const summary = callee ? undefined : this.externalSummaries(fn)[index];
    if (callee || summary) {
      const d = callee ? this.derived.get(callee) : summary && wrapperOfSummary(summary);
      const stored = d?.storesParams?.map((i) => call.args[i]?.object).find((o) => o !== undefined);
      if (d?.returnsRef)
        return {
          kind: 'returns-ref',
          ...(stored ? { alsoStores: stored } : {}),
          ...(d.returnsCount ? { count: d.returnsCount } : {}),
          ...(d.returnsShared ? { shared: true } : {}),
        };
      if (stored) return { kind: 'transfer', variable: stored };
      const freed = d?.freesParams?.map((i) => call.args[i]?.object).find((o) => o !== undefined);
      if (freed) return { kind: 'put-all', variable: freed };
      const removed = d?.removesParams
        ?.map((i) => call.args[i]?.object)
        .find((o) => o !== undefined);
      if (removed) return { kind: 'remove', variable: removed };
    }
    const handed = this.handoffs(fn)[index];
    return handed ? { kind: 'handoff', variable: handed } : undefined;
  }
}

/**
 * The effect with the fields of every kind, in one order (undefined when absent,
 * which JSON leaves out): the balance walk and the ownership checks read effects
 * of all kinds at the same places, and one object shape there is much cheaper
 * for V8 than eight. Tell kinds apart by `kind`, never by `in`.
 */
function oneShape(e: RefEffect | undefined): RefEffect | undefined {
  if (!e) return e;
  const x = e as Partial<
    Record<'variable' | 'amount' | 'alsoStores' | 'count' | 'counter', unknown>
  > &
    Partial<Record<'invert' | 'shared', unknown>>;
  return {
    kind: e.kind,
    variable: x.variable,
    amount: x.amount,
    alsoStores: x.alsoStores,
    count: x.count,
    counter: x.counter,
    invert: x.invert,
    shared: x.shared,
  } as RefEffect;
}

function withCounter<T extends RefEffect>(e: T, counter: string | undefined): T {
  return counter !== undefined ? { ...e, counter } : e;
}
