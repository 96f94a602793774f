// The type of a C expression's text in a function: identifiers, member chains
// (`a->b.c->d`), `&x`, `*p`, array elements, casts, calls (their return type) and
// container_of-style macros (the struct type named at the catalogued argument).
// Works on the text the facts keep, so it needs no syntax tree.
import type { FunctionFacts } from '../facts/factTypes';
import { deref, makeCType } from './cType';
import type { TypeEnv } from './typeEnv';

const TOKEN = /\s*(->|[A-Za-z_]\w*|\d\w*|[()[\].,&*]|\S)/y;
const QUALIFIERS = new Set(['const', 'volatile', 'restrict', '__rcu', '__force']);
const PRIMITIVE_WORDS = new Set([
  'void',
  'char',
  'short',
  'int',
  'long',
  'unsigned',
  'signed',
  'bool',
]);

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) out.push(m[1]);
  return out;
}

class ExprParser {
  private i = 0;
  /** Type of the struct whose member the last `->`/`.` read (for `&expr->field`). */
  holder: string | undefined;
  constructor(
    private readonly toks: string[],
    private readonly env: TypeEnv,
    private readonly fn: FunctionFacts | undefined,
    private readonly line: number | undefined,
  ) {}

  parse(): string | undefined {
    const t = this.unary();
    return this.i === this.toks.length ? t : undefined;
  }

  private peek(k = 0): string | undefined {
    return this.toks[this.i + k];
  }

  private unary(): string | undefined {
    const t = this.peek();
    if (t === '&') {
      this.i++;
      const inner = this.unary();
      return inner === undefined ? undefined : `${inner}*`;
    }
    if (t === '*') {
      this.i++;
      const inner = this.unary();
      return inner === undefined ? undefined : deref(this.env.resolve(inner));
    }
    if (t === '(') {
      const cast = this.castType();
      if (cast !== undefined) {
        this.unary();
        return cast;
      }
    }
    return this.postfix();
  }

  /** `(struct foo *)` / `(foo_t *)` at the cursor: the cast type, cursor after it. */
  private castType(): string | undefined {
    let j = this.i + 1;
    const words: string[] = [];
    let pointers = 0;
    for (; j < this.toks.length && this.toks[j] !== ')'; j++) {
      const w = this.toks[j];
      if (w === '*') pointers++;
      else if (/^[A-Za-z_]\w*$/.test(w) && pointers === 0) {
        if (!QUALIFIERS.has(w)) words.push(w);
      } else return undefined;
    }
    if (j >= this.toks.length || !words.length) return undefined;
    const tagged = (words[0] === 'struct' || words[0] === 'union') && words.length === 2;
    const named = words.length === 1 && this.env.isTypeName(words[0]);
    const primitive = words.every((w) => PRIMITIVE_WORDS.has(w));
    if (!tagged && !named && !primitive) return undefined;
    this.i = j + 1;
    return makeCType(words.join(' '), pointers);
  }

  /** Tokens of each argument of the call whose '(' is at the cursor; cursor after ')'. */
  private args(): string[][] | undefined {
    if (this.peek() !== '(') return undefined;
    this.i++;
    const out: string[][] = [[]];
    let depth = 0;
    for (; this.i < this.toks.length; this.i++) {
      const t = this.toks[this.i];
      if ((t === '(' || t === '[') && ++depth) out[out.length - 1].push(t);
      else if (t === ')' || t === ']') {
        if (depth === 0 && t === ')') {
          this.i++;
          return out.length === 1 && !out[0].length ? [] : out;
        }
        depth--;
        out[out.length - 1].push(t);
      } else if (t === ',' && depth === 0) out.push([]);
      else out[out.length - 1].push(t);
    }
    return undefined;
  }

  private primary(): string | undefined {
    const t = this.peek();
    if (t === undefined) return undefined;
    if (t === '(') {
      this.i++;
      const inner = this.unary();
      if (this.peek() !== ')') return undefined;
      this.i++;
      return inner;
    }
    if (!/^[A-Za-z_]\w*$/.test(t)) return undefined;
    this.i++;
    if (this.peek() !== '(') return this.env.varType(this.fn, t, this.line);
    const args = this.args();
    if (!args) return undefined;
    const typeArg = this.env.containerMacros.get(t);
    if (typeArg !== undefined) {
      const words = (args[typeArg] ?? []).filter((w) => !QUALIFIERS.has(w));
      if (words.length === 2 && (words[0] === 'struct' || words[0] === 'union'))
        return `${words[0]} ${words[1]}*`;
      if (words.length === 1) return `${this.env.typeWord(words[0])}*`;
      // `typeof(*pos)` and the like name the type of an expression.
      if (words[0] === 'typeof' && words[1] === '(' && words.at(-1) === ')')
        return this.sub(words.slice(2, -1));
      return undefined;
    }
    return this.env.returnType(t);
  }

  private sub(toks: string[]): string | undefined {
    return new ExprParser(toks, this.env, this.fn, this.line).parse();
  }

  private postfix(): string | undefined {
    let t = this.primary();
    for (;;) {
      const op = this.peek();
      if (op === '->' || op === '.') {
        const field = this.peek(1);
        if (!field || !/^[A-Za-z_]\w*$/.test(field)) return undefined;
        this.i += 2;
        if (t === undefined) return undefined;
        const holder = op === '->' ? deref(this.env.resolve(t)) : t;
        this.holder = holder;
        t = holder === undefined ? undefined : this.env.fieldType(holder, field);
      } else if (op === '[') {
        let depth = 0;
        for (; this.i < this.toks.length; this.i++) {
          const x = this.toks[this.i];
          if (x === '[') depth++;
          else if (x === ']' && --depth === 0) break;
        }
        if (this.peek() !== ']') return undefined;
        this.i++;
        this.holder = undefined;
        t = t === undefined ? undefined : deref(this.env.resolve(t));
      } else if (op === '(') {
        // A call through a function pointer: its type is not tracked.
        if (!this.args()) return undefined;
        t = undefined;
        this.holder = undefined;
      } else return t;
    }
  }
}

/** The declared C type of expression `text` at `line` of `fn` (undefined when unknown). */
export function exprType(
  env: TypeEnv,
  fn: FunctionFacts | undefined,
  text: string,
  line?: number,
): string | undefined {
  return new ExprParser(tokenize(text), env, fn, line).parse();
}

/**
 * The struct type holding the member an expression ends with: `struct foo*`'s
 * `struct foo` for `&container_of(p, struct foo, node)->ref`. Undefined when the
 * expression does not end with a member access.
 */
export function holderType(
  env: TypeEnv,
  fn: FunctionFacts | undefined,
  text: string,
  line?: number,
): string | undefined {
  const p = new ExprParser(tokenize(text), env, fn, line);
  p.parse();
  return p.holder;
}
