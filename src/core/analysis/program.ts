// The set of analysed files as one program: function lookup across files and
// the classification of every call site (catalog entry or derived wrapper).
import type { CatalogIndex } from '../catalog/catalog';
import type { CallEntry } from '../catalog/catalogTypes';
import type { CallFact, FileFacts, FunctionFacts } from '../facts/factTypes';
import type { CallRole, FunctionSummary } from '../model';
import type { RefEffect } from './balance';

/** What the body of a function says about references (derived, not from its name). */
export interface DerivedWrapper {
  wrapper?: FunctionSummary['wrapper'];
  wrapperParam?: number;
  returnsRef: boolean;
  objectType?: string;
  /** Parameters the function stores somewhere that keeps them (hash table, list, field). */
  storesParams?: number[];
}

export interface Classification {
  role: CallRole;
  source: string;
  entry?: CallEntry;
  derivedFrom?: FunctionFacts;
  /** Variable the role acts on. */
  variable?: string;
  objectType?: string;
}

export class Program {
  readonly functions: FunctionFacts[] = [];
  private readonly byName = new Map<string, FunctionFacts[]>();
  readonly derived = new Map<FunctionFacts, DerivedWrapper>();
  /** Refcount field -> struct type, from struct declarations. */
  readonly refFieldOwner = new Map<
    string,
    { struct: string; kind: 'refcount_t' | 'kref' | 'atomic_t' }
  >();

  constructor(
    readonly files: FileFacts[],
    readonly catalog: CatalogIndex,
  ) {
    for (const f of files) {
      for (const fn of f.functions) {
        this.functions.push(fn);
        this.byName.set(fn.name, [...(this.byName.get(fn.name) ?? []), fn]);
      }
      for (const r of f.refFields)
        this.refFieldOwner.set(r.field, { struct: r.struct, kind: r.kind });
    }
  }

  /** The definition a call from `fromFile` reaches: same file first, then a non-static one. */
  resolve(name: string, fromFile: string): FunctionFacts | undefined {
    const defs = this.byName.get(name);
    if (!defs) return undefined;
    return defs.find((d) => d.file === fromFile) ?? defs.find((d) => !d.isStatic) ?? undefined;
  }

  /** Display id: the name, qualified by file when several static functions share it. */
  idOf(fn: FunctionFacts): string {
    const defs = this.byName.get(fn.name);
    return defs && defs.length > 1 && fn.isStatic ? `${fn.name}@${fn.file}` : fn.name;
  }

  /** Object type of `variable` in `fn`, or of the refcount field it is used with. */
  typeOf(fn: FunctionFacts, object: string | undefined, field?: string): string | undefined {
    if (field) {
      const owner = this.refFieldOwner.get(field);
      if (owner) return owner.struct;
    }
    return object && /^\w+$/.test(object) ? fn.varTypes[object] : undefined;
  }

  classify(fn: FunctionFacts, call: CallFact): Classification | undefined {
    const entry = this.catalog.calls.get(call.callee);
    if (entry) {
      const arg = entry.arg !== undefined ? call.args[entry.arg] : undefined;
      const c: Classification = { role: entry.role, source: 'catalog', entry };
      if (arg?.object) c.variable = arg.object;
      const t = this.typeOf(fn, arg?.object, arg?.field);
      if (t) c.objectType = t;
      return c;
    }
    const callee = this.resolve(call.callee, fn.file);
    const d = callee ? this.derived.get(callee) : undefined;
    if (!callee || !d?.wrapper) return undefined;
    const role: CallRole =
      d.wrapper === 'get'
        ? 'ref-get'
        : d.wrapper === 'get-conditional'
          ? 'ref-get-conditional'
          : d.wrapper === 'put'
            ? 'ref-put'
            : 'ref-final-put';
    const c: Classification = { role, source: `derived from ${callee.name}`, derivedFrom: callee };
    const arg = d.wrapperParam !== undefined ? call.args[d.wrapperParam] : undefined;
    if (arg?.object) c.variable = arg.object;
    const t = d.objectType ?? this.typeOf(fn, arg?.object);
    if (t) c.objectType = t;
    return c;
  }

  /** The reference effect of call `index` in `fn`, for the balance analysis. */
  effect(fn: FunctionFacts, index: number): RefEffect | undefined {
    const call = fn.calls[index];
    const c = this.classify(fn, call);
    if (c?.variable) {
      switch (c.role) {
        case 'ref-get':
          return { kind: 'get', variable: c.variable };
        case 'ref-put':
          return { kind: 'put', variable: c.variable };
        case 'ref-final-put':
          return { kind: 'final-put', variable: c.variable };
        case 'ref-init': {
          const n = Number(call.args[1]?.text);
          return { kind: 'init', variable: c.variable, count: Number.isInteger(n) ? n : 1 };
        }
        case 'ref-get-conditional':
          if (c.derivedFrom && this.derived.get(c.derivedFrom)?.returnsRef)
            return { kind: 'returns-ref' };
          return { kind: 'cond-get', variable: c.variable };
        case 'hash-insert':
        case 'lru-add':
        case 'list-add':
          return { kind: 'transfer', variable: c.variable };
        default:
          return undefined;
      }
    }
    if (c) return undefined;
    const callee = this.resolve(call.callee, fn.file);
    if (callee) {
      const d = this.derived.get(callee);
      const stored = d?.storesParams?.map((i) => call.args[i]?.object).find((o) => o !== undefined);
      if (d?.returnsRef)
        return stored ? { kind: 'returns-ref', alsoStores: stored } : { kind: 'returns-ref' };
      if (stored) return { kind: 'transfer', variable: stored };
      return undefined;
    }
    // An external function we cannot see may keep or release what it is given.
    if (/^(trace_|pr_|dprintk|WARN|BUG|printk)/.test(call.callee)) return undefined;
    const handed = call.args.find((a) => a.object && !a.object.includes('->'))?.object;
    return handed ? { kind: 'handoff', variable: handed } : undefined;
  }
}
