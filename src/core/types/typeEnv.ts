// The type environment of a program: struct and union fields, typedefs, globals,
// function return types (from every .c and .h analysed), and per function the
// declared types of its parameters and locals, block-scoped where a name is reused.
import type { FileFacts, FunctionFacts } from '../facts/factTypes';
import { ownNames } from '../facts/nameRecord';
import { makeCType, parseCType, structTag } from './cType';

const MAX_TYPEDEF_DEPTH = 8;

export class TypeEnv {
  private readonly structs = new Map<string, Record<string, string>>();
  private readonly typedefs = new Map<string, string>();
  private readonly globals = new Map<string, string>();
  private readonly returns = new Map<string, string>();
  private readonly resolved = new Map<string, string>();

  constructor(
    files: readonly FileFacts[],
    /** Container-of-style macros (catalog data): name -> argument index naming the type. */
    readonly containerMacros: ReadonlyMap<string, number>,
  ) {
    for (const f of files) {
      const t = f.types;
      if (!t) continue;
      // A struct defined twice (a header analysed with its users): the definition with fields wins.
      for (const [k, v] of Object.entries(t.structs))
        if (
          !this.structs.has(k) ||
          Object.keys(v).length > Object.keys(this.structs.get(k) ?? {}).length
        )
          this.structs.set(k, ownNames(v));
      for (const [k, v] of Object.entries(t.typedefs))
        if (!this.typedefs.has(k)) this.typedefs.set(k, v);
      for (const [k, v] of Object.entries(t.globals))
        if (!this.globals.has(k)) this.globals.set(k, v);
      for (const [k, v] of Object.entries(t.returns))
        if (!this.returns.has(k)) this.returns.set(k, v);
    }
  }

  /** `t` with typedef names expanded (`foo_t*` -> `struct foo*`). */
  resolve(t: string): string {
    const hit = this.resolved.get(t);
    if (hit !== undefined) return hit;
    let { base, pointers } = parseCType(t);
    for (let i = 0; i < MAX_TYPEDEF_DEPTH; i++) {
      const d = this.typedefs.get(base);
      if (d === undefined || d === base) break;
      const inner = parseCType(d);
      base = inner.base;
      pointers += inner.pointers;
    }
    const r = makeCType(base, pointers);
    this.resolved.set(t, r);
    return r;
  }

  /**
   * A type named by one word where a type is expected (a container_of argument whose
   * `struct` keyword the macro mask blanked): a typedef, else the struct or union of that tag.
   */
  typeWord(word: string): string {
    if (this.typedefs.has(word)) return word;
    if (this.structs.has(`union ${word}`) && !this.structs.has(`struct ${word}`))
      return `union ${word}`;
    return `struct ${word}`;
  }

  isTypeName(word: string): boolean {
    return this.typedefs.has(word);
  }

  /** Type of `field` in the struct/union `t` (no pointer), or undefined. */
  fieldType(t: string, field: string): string | undefined {
    const { base, pointers } = parseCType(this.resolve(t));
    if (pointers !== 0) return undefined;
    return this.structs.get(base)?.[field];
  }

  returnType(fn: string): string | undefined {
    return this.returns.get(fn);
  }

  /** Declared type of `name` at `line` of `fn` (innermost declaration), else a global's. */
  varType(fn: FunctionFacts | undefined, name: string, line?: number): string | undefined {
    if (fn) {
      if (fn.scoped && line !== undefined) {
        let best: { type: string; fromLine: number } | undefined;
        for (const s of fn.scoped)
          if (s.name === name && s.fromLine <= line && line <= s.toLine)
            if (!best || s.fromLine >= best.fromLine) best = s;
        if (best) return best.type;
      }
      const t = fn.declTypes?.[name];
      if (t !== undefined) return t;
    }
    return this.globals.get(name);
  }

  /**
   * The struct an object of type `t` is, seen through at most one pointer
   * (`struct foo*` and `struct foo` are both `foo`): the tag a model reports.
   */
  structName(t: string | undefined): string | undefined {
    if (!t) return undefined;
    const { base, pointers } = parseCType(this.resolve(t));
    if (pointers > 1) return undefined;
    const tag = structTag(base);
    // Unnamed structs are reported by their typedef name.
    if (tag?.startsWith('<')) return undefined;
    return tag;
  }
}
