// Kernel macros that tree-sitter-c cannot parse are replaced by blanks of the
// same length (newlines kept), so every offset, line and column in the masked
// text is the original's. What was masked is kept as facts: annotations and
// work-item declarations are evidence for the analysis.
import type { CatalogIndex } from '../catalog/catalog';

export type MaskedKind = 'iterator' | 'attribute' | 'lock-annotation' | 'struct-arg' | 'decl-macro';

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
}

/** Replaces comments, strings, char literals and preprocessor lines by blanks. */
export function blankNonCode(src: string): string {
  const out = src.split('');
  const n = src.length;
  let i = 0;
  let lineStart = true;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < n) {
    const c = src[i];
    if (c === '\n') {
      lineStart = true;
      i++;
      continue;
    }
    if (lineStart && (c === ' ' || c === '\t')) {
      i++;
      continue;
    }
    if (lineStart && c === '#') {
      // Directive, with backslash continuations and comments inside.
      let j = i;
      while (j < n) {
        if (src[j] === '\n' && src[j - 1] !== '\\' && !(src[j - 1] === '\r' && src[j - 2] === '\\'))
          break;
        if (src[j] === '/' && src[j + 1] === '*') {
          const e = src.indexOf('*/', j + 2);
          j = e < 0 ? n : e + 2;
          continue;
        }
        j++;
      }
      blank(i, j);
      i = j;
      continue;
    }
    lineStart = false;
    if (c === '/' && src[i + 1] === '/') {
      let j = src.indexOf('\n', i);
      if (j < 0) j = n;
      blank(i, j);
      i = j;
    } else if (c === '/' && src[i + 1] === '*') {
      const e = src.indexOf('*/', i + 2);
      const j = e < 0 ? n : e + 2;
      blank(i, j);
      i = j;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      j = Math.min(n, j + 1);
      blank(i + 1, j - 1);
      i = j;
    } else i++;
  }
  return out.join('');
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

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

function splitArgs(code: string, open: number, close: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let from = open + 1;
  for (let i = open + 1; i < close; i++) {
    const c = code[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      args.push(code.slice(from, i).trim());
      from = i + 1;
    }
  }
  const last = code.slice(from, close).trim();
  if (last || args.length) args.push(last);
  return args;
}

function skipSpace(code: string, i: number): number {
  while (i < code.length && /\s/.test(code[i])) i++;
  return i;
}

function prevSignificant(code: string, i: number): number {
  let j = i - 1;
  while (j >= 0 && /\s/.test(code[j])) j--;
  return j;
}

const TOP_LEVEL_MACRO =
  /^(DEFINE_[A-Z0-9_]+|DECLARE_[A-Z0-9_]+|EXPORT_SYMBOL(_GPL|_NS|_NS_GPL)?|MODULE_[A-Z_]+|module_init|module_exit|late_initcall|fs_initcall)$/;

export function maskKernelMacros(src: string, catalog: CatalogIndex): MaskResult {
  const code = blankNonCode(src);
  const out = src.split('');
  const masked: MaskedMacro[] = [];
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let depth = 0;
  let i = 0;
  const n = code.length;
  while (i < n) {
    const c = code[i];
    if (c === '{') {
      depth++;
      i++;
      continue;
    }
    if (c === '}') {
      depth = Math.max(0, depth - 1);
      i++;
      continue;
    }
    if (!/[A-Za-z_]/.test(c) || (i > 0 && /[A-Za-z0-9_]/.test(code[i - 1]))) {
      i++;
      continue;
    }
    IDENT.lastIndex = i;
    const m = IDENT.exec(code);
    if (!m) {
      i++;
      continue;
    }
    const name = m[0];
    const end = i + name.length;
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
      if (code[semi] === ';') {
        // Include a leading `static` so the declaration does not dangle.
        let from = i;
        const p = prevSignificant(code, i);
        if (p >= 5 && code.slice(p - 5, p + 1) === 'static') from = p - 5;
        masked.push({
          kind: 'decl-macro',
          name,
          args: splitArgs(code, afterName, close),
          start: from,
          end: semi + 1,
        });
        blank(from, semi + 1);
        i = semi + 1;
        continue;
      }
    }
    if (depth > 0 && hasArgs && close > 0 && name.length >= 5 && catalog.isIteratorMacro(name)) {
      // An iterator used as a statement head: `list_for_each_entry(...) stmt`.
      const next = skipSpace(code, close + 1);
      const p = prevSignificant(code, i);
      const prevWord = code.slice(Math.max(0, p - 3), p + 1);
      const atStatementStart = p < 0 || ';{}):'.includes(code[p]) || prevWord === 'else';
      if (atStatementStart && next < n && !';,)=.'.includes(code[next])) {
        masked.push({
          kind: 'iterator',
          name,
          args: splitArgs(code, afterName, close),
          start: i,
          end: end,
        });
        out.splice(i, name.length, ...('while' + ' '.repeat(name.length - 5)).split(''));
        i = afterName + 1;
        continue;
      }
    }
    if ((name === 'struct' || name === 'union') && depth > 0) {
      // `struct X` as a macro argument (container_of, list_entry, ...): keep X.
      const p = prevSignificant(code, i);
      IDENT.lastIndex = skipSpace(code, end);
      const tm = IDENT.exec(code);
      if (p >= 0 && code[p] === ',' && tm) {
        const after = skipSpace(code, IDENT.lastIndex);
        if (code[after] === ',' || code[after] === ')') {
          masked.push({ kind: 'struct-arg', name: tm[0], args: [], start: i, end });
          blank(i, end);
          i = end;
          continue;
        }
      }
    }
    i = end;
  }
  return { text: out.join(''), masked };
}
