// A C type as a compact string: a base (`struct foo`, `union bar`, `foo_t`, `int`,
// `fn` for a function) followed by one `*` per pointer or array level. Strings keep
// the facts plain data (they cross worker threads and the memo compares them).

export interface CType {
  base: string;
  pointers: number;
}

export function makeCType(base: string, pointers: number): string {
  return pointers > 0 ? `${base}${'*'.repeat(pointers)}` : base;
}

export function parseCType(t: string): CType {
  let end = t.length;
  while (end > 0 && t.charCodeAt(end - 1) === 42) end--;
  return { base: t.slice(0, end).trim(), pointers: t.length - end };
}

/** The type one `*` / `[]` away (undefined when `t` is no pointer). */
export function deref(t: string): string | undefined {
  return t.endsWith('*') ? t.slice(0, -1) : undefined;
}

/** `struct foo` -> `foo`; `union bar` -> `bar`; anything else: undefined. */
export function structTag(base: string): string | undefined {
  if (base.startsWith('struct ')) return base.slice(7);
  if (base.startsWith('union ')) return base.slice(6);
  return undefined;
}
