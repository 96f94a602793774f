// Kernel macros that tree-sitter-c cannot parse are replaced by blanks of the
// same length (newlines kept), so every offset, line and column in the masked
// text is the original's. What was masked is kept as facts: annotations and
// work-item declarations are evidence for the analysis.
import type { CatalogIndex } from '../catalog/catalog';

export type MaskedKind =
  | 'iterator'
  | 'attribute'
  | 'lock-annotation'
  | 'struct-arg'
  | 'type-arg'
  | 'decl-macro'
  | 'definition-macro';

export interface MaskedMacro {
  kind: MaskedKind;
  name: string;
  /** Top-level argument texts (trimmed), for macros with arguments. */
  args: string[];
  /** Offsets in the original text of the masked range. */
  start: number;
  end: number;
}

export interface MaskResult {
  text: string;
  masked: MaskedMacro[];
  /** The source with comments, strings and preprocessor lines blanked (same length). */
  code: string;
}

/** Same-length blanks for src[from, to), newlines kept. */
function blanks(src: string, from: number, to: number): string {
  let nl = src.indexOf('\n', from);
  if (nl < 0 || nl >= to) return ' '.repeat(to - from);
  let out = '';
  let at = from;
  for (; nl >= 0 && nl < to; nl = src.indexOf('\n', nl + 1)) {
    out += ' '.repeat(nl - at) + '\n';
    at = nl + 1;
  }
  return out + ' '.repeat(to - at);
}

/**
 * What blankNonCode stops at: a comment opener, a quote, or a newline before a
 * line whose first non-blank character is `#`. What lies between stops is
 * code, copied as one slice: the per-character work is the regex engine's.
 */
const NON_CODE = /\/[/*]|["']|\n[ \t]*#/g;

/** Replaces comments, strings, char literals and preprocessor lines by blanks. */
export function blankNonCode(src: string): string {
  const parts: string[] = [];
  const n = src.length;
  let copied = 0;
  const blank = (from: number, to: number) => {
    parts.push(src.slice(copied, from), blanks(src, from, to));
    copied = to;
  };
  /** A `#` starting the text, which has no newline before it. */
  let first = (/^[ \t]*#/.exec(src)?.[0].length ?? 0) - 1;
  NON_CODE.lastIndex = 0;
  for (;;) {
    let i = first;
    first = -1;
    if (i < 0) {
      const m = NON_CODE.exec(src);
      if (!m) break;
      i = m.index;
      if (src.charCodeAt(i) === 10) i += m[0].length - 1;
    }
    const c = src.charCodeAt(i);
    let j: number;
    if (c === 35 /* # */) {
      // A directive, with backslash continuations and comments inside.
      j = i;
      for (;;) {
        const nl = src.indexOf('\n', j);
        if (nl < 0) {
          j = n;
          break;
        }
        const cmt = src.indexOf('/*', j);
        if (cmt >= 0 && cmt < nl) {
          const e = src.indexOf('*/', cmt + 2);
          j = e < 0 ? n : e + 2;
          continue;
        }
        const prev = src.charCodeAt(nl - 1) === 13 ? nl - 2 : nl - 1;
        if (src.charCodeAt(prev) === 92 /* \\ */) {
          j = nl + 1;
          continue;
        }
        j = nl;
        break;
      }
      blank(i, j);
    } else if (c === 47 /* / */ && src.charCodeAt(i + 1) === 47) {
      j = src.indexOf('\n', i);
      if (j < 0) j = n;
      blank(i, j);
    } else if (c === 47) {
      const e = src.indexOf('*/', i + 2);
      j = e < 0 ? n : e + 2;
      blank(i, j);
    } else {
      // A string or char literal, ending at its quote or (left open) after its
      // line's newline: the next line then does not start a directive.
      j = i + 1;
      while (j < n) {
        const x = src.charCodeAt(j);
        if (x === c || x === 10) break;
        j += x === 92 ? 2 : 1;
      }
      j = Math.min(n, j + 1);
      blank(i + 1, Math.max(i + 1, j - 1));
    }
    NON_CODE.lastIndex = j;
  }
  parts.push(src.slice(copied));
  return parts.join('');
}

/** Index of the `)` matching the `(` at `open` in blanked code, or -1. */
function matchParen(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i;
    } else if ((c === ';' || c === '{' || c === '}') && depth > 0) {
      // Statement punctuation inside a macro argument list means unbalanced input.
      if (c !== ';') return -1;
    }
  }
  return -1;
}

/** Offsets of the commas between the arguments of the list from `open` to `close`. */
function topLevelCommas(code: string, open: number, close: number): number[] {
  const commas: number[] = [];
  let depth = 0;
  for (let i = open + 1; i < close; i++) {
    const c = code[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) commas.push(i);
  }
  return commas;
}

function splitArgs(code: string, open: number, close: number): string[] {
  const args: string[] = [];
  let from = open + 1;
  for (const i of topLevelCommas(code, open, close)) {
    args.push(code.slice(from, i).trim());
    from = i + 1;
  }
  const last = code.slice(from, close).trim();
  if (last || args.length) args.push(last);
  return args;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

function skipSpace(code: string, i: number): number {
  while (i < code.length && isSpace(code.charCodeAt(i))) i++;
  return i;
}

function prevSignificant(code: string, i: number): number {
  let j = i - 1;
  while (j >= 0 && isSpace(code.charCodeAt(j))) j--;
  return j;
}

const TOP_LEVEL_MACRO =
  /^(DEFINE_[A-Z0-9_]+|DECLARE_[A-Z0-9_]+|EXPORT_SYMBOL(_GPL|_NS|_NS_GPL)?|MODULE_[A-Z_]+|module_init|module_exit|late_initcall|fs_initcall)$/;

/**
 * Macros that write a function's header from its name and (type, parameter)
 * pairs, the pairs' count last in the macro's name: system calls and BPF
 * helpers. Their bodies are entry points the analysis must see.
 */
const DEFINITION_MACRO = /^(?:(?:COMPAT_)?SYSCALL_DEFINE|BPF_CALL_)[1-6]$/;

/**
 * The top-level commas of a definition macro's arguments, when there are as
 * many (type, parameter) pairs as its name says; else undefined.
 */
function definitionCommas(
  code: string,
  open: number,
  close: number,
  name: string,
): number[] | undefined {
  const commas = topLevelCommas(code, open, close);
  return commas.length === 2 * Number(name.slice(-1)) ? commas : undefined;
}

/** The TOP_LEVEL_MACRO names that the kernel writes as a line of their own, with no `;`. */
const INITCALL_MACRO = /^(module_init|module_exit|late_initcall|fs_initcall)$/;

/** Parts of TOP_LEVEL_MACRO names that a search for candidates looks for. */
const TOP_LEVEL_HINTS = [
  'DEFINE_',
  'DECLARE_',
  'EXPORT_SYMBOL',
  'MODULE_',
  'module_init',
  'module_exit',
  'late_initcall',
  'fs_initcall',
  'SYSCALL_DEFINE',
  'BPF_CALL_',
];

const hintSearches = new WeakMap<CatalogIndex, RegExp>();

/**
 * A search for the words an identifier that maskKernelMacros may mask contains
 * (catalog words, TOP_LEVEL_HINTS, `for_each`, `struct`, `union`): identifiers
 * without one are passed over by the regex engine instead of one by one.
 */
function hintSearch(catalog: CatalogIndex): RegExp {
  let re = hintSearches.get(catalog);
  if (!re) {
    const words = new Set([
      ...catalog.attributeWords,
      ...catalog.lockAnnotations,
      ...catalog.iteratorMacros,
      ...TOP_LEVEL_HINTS,
      'for_each',
      'struct',
      'union',
      'enum',
    ]);
    re = new RegExp(alternation([...words].filter((w) => w.length > 0)), 'g');
    hintSearches.set(catalog, re);
  }
  return re;
}

/** A regex source matching any of `words`, with common prefixes factored out (a trie). */
function alternation(words: string[]): string {
  const byFirst = new Map<string, string[]>();
  let empty = false;
  for (const w of words) {
    if (!w) {
      empty = true;
      continue;
    }
    const rest = byFirst.get(w[0]) ?? [];
    rest.push(w.slice(1));
    byFirst.set(w[0], rest);
  }
  const branches = [...byFirst].map(([c, rest]) => {
    const tail = alternation(rest);
    return c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&') + tail;
  });
  if (!branches.length) return '';
  const body = branches.length === 1 && !empty ? branches[0] : `(?:${branches.join('|')})`;
  return empty ? `(?:${body})?` : body;
}

export function maskKernelMacros(src: string, catalog: CatalogIndex): MaskResult {
  const code = blankNonCode(src);
  const masked: MaskedMacro[] = [];
  /** Replacements, in order: [start, end, text]. */
  const edits: [number, number, string][] = [];
  const blank = (from: number, to: number) => edits.push([from, to, blanks(src, from, to)]);
  const n = code.length;
  const hints = hintSearch(catalog);
  // Brace depth outside masked text, counted up to `counted` from the next `{` and `}`.
  let depth = 0;
  let counted = 0;
  let nextOpen = code.indexOf('{');
  let nextClose = code.indexOf('}');
  const countBraces = (to: number) => {
    for (;;) {
      if (nextOpen >= 0 && nextOpen < counted) nextOpen = code.indexOf('{', counted);
      if (nextClose >= 0 && nextClose < counted) nextClose = code.indexOf('}', counted);
      const open = nextOpen >= 0 && nextOpen < to ? nextOpen : n;
      const close = nextClose >= 0 && nextClose < to ? nextClose : n;
      if (open === close) break;
      if (open < close) {
        depth++;
        counted = open + 1;
      } else {
        depth = Math.max(0, depth - 1);
        counted = close + 1;
      }
    }
    counted = to;
  };
  /** Where the scan resumes: everything before it is counted or masked. */
  let i = 0;
  for (;;) {
    hints.lastIndex = i;
    const hint = hints.exec(code);
    if (!hint) break;
    // The identifier the hint lies in; digits before its first letter are no part of it.
    let start = hint.index;
    while (start > i && isIdentPart(code.charCodeAt(start - 1))) start--;
    while (!isIdentStart(code.charCodeAt(start))) start++;
    let end = hint.index + hint[0].length;
    while (end < n && isIdentPart(code.charCodeAt(end))) end++;
    counted = i;
    countBraces(start);
    i = start;
    const name = code.slice(i, end);
    const isIterator = depth > 0 && name.length >= 5 && catalog.isIteratorMacro(name);
    const candidate =
      catalog.attributeWords.has(name) ||
      catalog.lockAnnotations.has(name) ||
      (depth === 0 && (TOP_LEVEL_MACRO.test(name) || DEFINITION_MACRO.test(name))) ||
      isIterator ||
      ((name === 'struct' || name === 'union' || name === 'enum') && depth > 0);
    if (!candidate) {
      i = end;
      continue;
    }
    const afterName = skipSpace(code, end);
    const hasArgs = code[afterName] === '(';
    const close = hasArgs ? matchParen(code, afterName) : -1;

    if (catalog.attributeWords.has(name)) {
      const to = hasArgs && close > 0 ? close + 1 : end;
      masked.push({
        kind: 'attribute',
        name,
        args: hasArgs && close > 0 ? splitArgs(code, afterName, close) : [],
        start: i,
        end: to,
      });
      blank(i, to);
      i = to;
      continue;
    }
    if (catalog.lockAnnotations.has(name) && hasArgs && close > 0) {
      masked.push({
        kind: 'lock-annotation',
        name,
        args: splitArgs(code, afterName, close),
        start: i,
        end: close + 1,
      });
      blank(i, close + 1);
      i = close + 1;
      continue;
    }
    if (depth === 0 && hasArgs && close > 0 && TOP_LEVEL_MACRO.test(name)) {
      const semi = skipSpace(code, close + 1);
      // module_init(f) and the initcalls are written without a `;`.
      const bare = code[semi] !== ';' && INITCALL_MACRO.test(name);
      if (code[semi] === ';' || bare) {
        // Include a leading `static` so the declaration does not dangle.
        let from = i;
        const p = prevSignificant(code, i);
        if (p >= 5 && code.slice(p - 5, p + 1) === 'static') from = p - 5;
        const to = bare ? close : semi;
        masked.push({
          kind: 'decl-macro',
          name,
          args: splitArgs(code, afterName, close),
          start: from,
          end: to + 1,
        });
        blank(from, to + 1);
        i = to + 1;
        continue;
      }
    }
    if (depth === 0 && hasArgs && close > 0 && DEFINITION_MACRO.test(name)) {
      const commas = definitionCommas(code, afterName, close, name);
      if (commas && code[skipSpace(code, close + 1)] === '{') {
        // SYSCALL_DEFINE2(name, int, fd, char __user *, buf) {
        // -> long       sys_name( int  fd, char __user *  buf) {
        // The kernel's own name (sys_name, compat_sys_name): calls to a bare
        // `name` (libc's exit() in a selftest) are not calls of the system call.
        masked.push({
          kind: 'definition-macro',
          name,
          args: splitArgs(code, afterName, close),
          start: i,
          end: close + 1,
        });
        const prefix = name.startsWith('COMPAT_')
          ? 'compat_sys_'
          : name.startsWith('SYSCALL_')
            ? 'sys_'
            : '';
        const head = `long${' '.repeat(afterName + 1 - i - 4 - prefix.length)}${prefix}`;
        edits.push([i, afterName + 1, head]);
        commas.forEach((c, k) => edits.push([c, c + 1, k === 0 ? '(' : k % 2 ? ' ' : ',']));
        // The types may hold attributes (__user) for the scan to mask.
        i = afterName + 1;
        continue;
      }
    }
    if (isIterator && hasArgs && close > 0) {
      // An iterator used as a statement head: `list_for_each_entry(...) stmt`.
      const next = skipSpace(code, close + 1);
      if (atStatementStart(code, i) && next < n && !';,)=.'.includes(code[next])) {
        masked.push({
          kind: 'iterator',
          name,
          args: splitArgs(code, afterName, close),
          start: i,
          end,
        });
        edits.push([i, end, asLoop(name)]);
        i = afterName + 1;
        continue;
      }
    }
    if (name === 'struct' || name === 'union' || name === 'enum') {
      // `struct X` as a macro argument (container_of, list_entry, ...): keep X.
      const p = prevSignificant(code, i);
      const t0 = skipSpace(code, end);
      let t1 = t0;
      while (t1 < n && isIdentPart(code.charCodeAt(t1))) t1++;
      // After a comma (container_of(p, struct T, m)), or first inside a macro call
      // and followed by a comma (offsetof(struct T, m)): a cast would end in ')'.
      const afterComma = p >= 0 && code[p] === ',';
      const callee = p >= 1 && code[p] === '(' ? identBefore(code, p) : undefined;
      const firstArg = callee !== undefined;
      // A lone first argument, f(struct T), is a type too unless f is C's own
      // (sizeof takes a type as C does; `return (struct T){...}` is a literal).
      const lone = firstArg && !C_PAREN_WORDS.has(callee);
      if ((afterComma || firstArg) && t1 > t0 && isIdentStart(code.charCodeAt(t0))) {
        // `struct T *` (kzalloc_objs(struct page *, n)): the stars go with the keyword.
        let after = skipSpace(code, t1);
        let stars = after;
        while (code[stars] === '*') stars = skipSpace(code, stars + 1);
        if (stars > after && (code[stars] === ',' || code[stars] === ')') && depth > 0)
          after = stars;
        if (code[after] === ',' || ((afterComma || lone) && code[after] === ')')) {
          masked.push({ kind: 'struct-arg', name: code.slice(t0, t1), args: [], start: i, end });
          blank(i, end);
          for (let k = t1; k < after; k++) if (code[k] === '*') blank(k, k + 1);
          i = end;
          continue;
        }
      }
    }
    i = end;
  }
  blockMacros(code, catalog, masked, edits);
  typeArguments(code, masked, edits);
  edits.sort((a, b) => a[0] - b[0]);
  masked.sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let at = 0;
  for (const [from, to, text] of edits) {
    if (from < at) continue; // Overlapping rules: the first edit stands.
    parts.push(src.slice(at, from), text);
    at = to;
  }
  parts.push(src.slice(at));
  return { text: parts.join(''), masked, code };
}

/** Words that take `(...)` in C itself: never a macro call. */
const C_PAREN_WORDS = new Set([
  'if',
  'for',
  'while',
  'switch',
  'return',
  'else',
  'do',
  'case',
  'sizeof',
  'typeof',
  '__typeof__',
  '__typeof',
  'typeof_unqual',
  '_Generic',
  '_Alignof',
  'alignof',
  '__alignof__',
  '_Static_assert',
  'static_assert',
  '__attribute__',
  '__attribute',
  'asm',
  '__asm__',
  '__asm',
  'volatile',
  '__volatile__',
  'defined',
]);

/** The identifier right before offset `at` in code (spaces between allowed), or undefined. */
function identBefore(code: string, at: number): string | undefined {
  const p = prevSignificant(code, at);
  if (p < 0 || !isIdentPart(code.charCodeAt(p))) return undefined;
  let from = p;
  while (from > 0 && isIdentPart(code.charCodeAt(from - 1))) from--;
  return isIdentStart(code.charCodeAt(from)) ? code.slice(from, p + 1) : undefined;
}

/** Whether the identifier at `start` begins a statement (after `;`, a brace, `)`, a label or `else`). */
function atStatementStart(code: string, start: number): boolean {
  const p = prevSignificant(code, start);
  return p < 0 || ';{}):'.includes(code[p]) || code.slice(Math.max(0, p - 3), p + 1) === 'else';
}

/** A loop keyword (`if` for names shorter than `while`) padded to the length of `name`. */
function asLoop(name: string): string {
  const word = name.length >= 5 ? 'while' : 'if';
  return word + ' '.repeat(name.length - word.length);
}

/**
 * `NAME(args) {` inside a function is a loop macro whatever its name
 * (FOREACH_ACL_ENTRY, do_each_thread): C has no other statement of that shape,
 * since a call is followed by an operator or `;`. Masked as `while(args) {`
 * (`if` for names shorter than `while`), as the catalog's iterators are.
 */
function blockMacros(
  code: string,
  catalog: CatalogIndex,
  masked: MaskedMacro[],
  edits: [number, number, string][],
): void {
  const depthAt = braceDepths(code);
  const shape = /\)\s*\{/g;
  for (let m = shape.exec(code); m; m = shape.exec(code)) {
    const open = openParenOf(code, m.index);
    if (open < 0) continue;
    const name = identBefore(code, open);
    // The catalog's iterators are the scan's (above).
    if (!name || name.length < 2 || C_PAREN_WORDS.has(name) || catalog.isIteratorMacro(name))
      continue;
    const start = prevSignificant(code, open) - name.length + 1;
    if (depthAt(start) === 0 || !atStatementStart(code, start)) continue;
    masked.push({
      kind: 'iterator',
      name,
      args: splitArgs(code, open, m.index),
      start,
      end: start + name.length,
    });
    edits.push([start, start + name.length, asLoop(name)]);
  }
}

/** Brace depth at increasing offsets of code (each query at or after the one before). */
function braceDepths(code: string): (at: number) => number {
  let depth = 0;
  let counted = 0;
  let open = code.indexOf('{');
  let close = code.indexOf('}');
  return (at) => {
    if (at < counted) {
      [depth, counted, open, close] = [0, 0, code.indexOf('{'), code.indexOf('}')];
    }
    // From brace to brace by indexOf: a loop over every character costs more than the rule.
    for (;;) {
      const next = open >= 0 && (close < 0 || open < close) ? open : close;
      if (next < 0 || next >= at) break;
      if (next === open) {
        depth++;
        open = code.indexOf('{', open + 1);
      } else {
        depth = Math.max(0, depth - 1);
        close = code.indexOf('}', close + 1);
      }
    }
    counted = at;
    return depth;
  };
}

/** C's own type words, which cannot stand as an expression. */
const TYPE_WORDS = 'unsigned|signed|int|long|short|char|const|volatile|_Bool|float|double';

/**
 * A macro argument that is a type spelled with C keywords (min_t(unsigned int,
 * a, b), max_t(long long, ...)) inside a function: the words are joined into
 * one identifier of the same length (UNSIGNED_INT) and pointer stars blanked,
 * so the call parses as a call. `struct T` arguments are struct-args (above).
 */
function typeArguments(
  code: string,
  masked: MaskedMacro[],
  edits: [number, number, string][],
): void {
  const arg = new RegExp(
    `([(,])[ \\t]*((?:(?:${TYPE_WORDS})\\b[ \\t]*)+)(\\*[ \\t*]*)?(?=[,)])`,
    'g',
  );
  const depthAt = braceDepths(code);
  for (let m = arg.exec(code); m; m = arg.exec(code)) {
    // Casts, `(unsigned long)x`, are the most frequent match: no callee, so checked first.
    const open = m[1] === '(' ? m.index : openParenOf(code, m.index);
    const callee = open >= 0 ? identBefore(code, open) : undefined;
    if (!callee || C_PAREN_WORDS.has(callee)) continue;
    const words = m[2].trimEnd();
    const start = m.index + m[0].indexOf(m[2]);
    if (depthAt(start) === 0) continue;
    const end = start + m[2].length + (m[3]?.length ?? 0);
    masked.push({ kind: 'type-arg', name: callee, args: [words], start, end });
    const joined = words.toUpperCase().replace(/[ \t]/g, '_');
    edits.push([start, end, joined + ' '.repeat(end - start - joined.length)]);
  }
}

/**
 * The `(` of the list that the `,` or `)` at `at` separates or closes, or -1
 * (a bracket, or a statement boundary, first).
 */
function openParenOf(code: string, at: number): number {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    const c = code[i];
    if (c === ')' || c === ']') depth++;
    else if (c === '(' || c === '[') {
      if (depth === 0) return c === '(' ? i : -1;
      depth--;
    } else if (c === ';' || c === '{' || c === '}') return -1;
  }
  return -1;
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
