// Turns one C file into plain facts: functions with their CFGs and classified
// call sites, callback registrations, refcounted struct fields, exports.
import type { SyntaxNode as Node } from '../parse/syntaxTree';
import { argAt, type CatalogIndex } from '../catalog/catalog';
import type { CParser } from '../parse/cParser';
import { maskKernelMacros } from '../parse/macroMask';
import { copyTree } from '../parse/syntaxTree';
import { collectTypes, unnamed } from '../types/collectTypes';
import { baseType, declared } from '../types/declaredType';
import { CfgBuilder } from './cfgBuilder';
import { nameRecord } from './nameRecord';
import type { FileFacts, FunctionFacts, LockScope, RegistrationFact } from './factTypes';
import {
  declaratorName,
  functionDeclarator,
  rootAndField,
  spanOf,
  structTypeName,
  unwrap,
} from './syntax';

const REF_TYPES: Record<string, 'refcount_t' | 'kref' | 'atomic_t'> = {
  refcount_t: 'refcount_t',
  kref: 'kref',
  atomic_t: 'atomic_t',
  atomic_long_t: 'atomic_t',
};

export function extractFileFacts(
  file: string,
  text: string,
  parser: CParser,
  catalog: CatalogIndex,
): FileFacts {
  const { text: masked, masked: maskedMacros, code } = maskKernelMacros(text, catalog);
  const tree = parser.parse(masked);
  let root: Node;
  try {
    root = copyTree(tree, masked, parser.wasm);
  } finally {
    tree.delete();
  }
  {
    const facts: FileFacts = {
      file,
      functions: [],
      registrations: [],
      refFields: [],
      exported: [],
      masked: maskedMacros,
      errorFunctions: [],
      problems: fileProblems(text, code, root),
      globals: nameRecord<string>(),
      fieldBindings: [],
    };
    for (const m of maskedMacros) {
      if (m.kind !== 'decl-macro') continue;
      if (/^EXPORT_SYMBOL/.test(m.name) && m.args[0]) facts.exported.push(m.args[0]);
      const decl = catalog.declMacros.get(m.name);
      const item = decl ? m.args[decl.itemArg] : undefined;
      const handler = decl ? m.args[decl.handlerArg] : undefined;
      if (decl && item && handler && /^\w+$/.test(handler)) {
        const line = text.slice(0, m.start).split('\n').length;
        const col = m.start - text.lastIndexOf('\n', m.start - 1);
        facts.registrations.push({
          handler,
          via: m.name,
          item,
          at: { file, line, column: col, endLine: line, endColumn: col + m.name.length },
        });
        facts.globals[item] = m.name;
      }
    }
    for (const def of root.descendantsOfType('function_definition')) {
      if (!def) continue;
      // C has no nested functions: one inside another means a brace went missing.
      for (let p = def.parent; p; p = p.parent)
        if (p.type === 'function_definition') {
          p.hasError = true;
          def.hasError = true;
        }
      const fn = functionFacts(def, file, catalog, maskedMacros, facts.registrations);
      if (!fn) continue;
      facts.functions.push(fn);
      if (fn.hasParseErrors) facts.errorFunctions.push(fn.name);
    }
    for (const s of root.descendantsOfType('struct_specifier')) {
      const name = s?.childForFieldName('name')?.text;
      const body = s?.childForFieldName('body');
      if (!s || !name || !body) continue;
      for (const f of body.namedChildren) {
        if (!f || f.type !== 'field_declaration') continue;
        const type = f.childForFieldName('type');
        const tname =
          type?.type === 'struct_specifier' ? type.childForFieldName('name')?.text : type?.text;
        const kind = tname ? REF_TYPES[tname] : undefined;
        const field = declaratorName(f.childForFieldName('declarator'));
        if (kind && field && f.childForFieldName('declarator')?.type === 'field_identifier')
          facts.refFields.push({ struct: name, field, kind });
      }
    }
    for (const d of root.namedChildren) {
      if (!d || d.type !== 'declaration') continue;
      const st = structTypeName(d.childForFieldName('type'));
      for (const decl of d.childrenForFieldName('declarator')) {
        const name = declaratorName(decl);
        if (st && name) facts.globals[name] = st;
      }
    }
    collectRegistrations(root, file, catalog, facts.registrations, undefined);
    facts.fieldBindings = fieldBindings(root, file);
    facts.types = collectTypes(root, file);
    for (const fn of facts.functions) if (fn.returns) facts.types.returns[fn.name] = fn.returns;
    return facts;
  }
}

function functionFacts(
  def: Node,
  file: string,
  catalog: CatalogIndex,
  masked: FileFacts['masked'],
  registrations: RegistrationFact[],
): FunctionFacts | undefined {
  const fdecl = functionDeclarator(def.childForFieldName('declarator'));
  const name = declaratorName(fdecl?.childForFieldName('declarator') ?? null);
  const body = def.childForFieldName('body');
  if (!fdecl || !name || !body) return undefined;
  const isStatic = def.children.some(
    (c) => c?.type === 'storage_class_specifier' && c.text === 'static',
  );
  const params: string[] = [];
  const varTypes = nameRecord<string>();
  const declTypes = nameRecord<string>();
  let scoped: FunctionFacts['scoped'];
  const declare = (name: string, type: string, fromLine: number, toLine: number) => {
    const before = declTypes[name];
    if (before === undefined) declTypes[name] = type;
    else if (before !== type || scoped?.some((s) => s.name === name)) {
      // Block scoping matters only for names declared again with another type.
      scoped ??= [];
      if (!scoped.some((s) => s.name === name))
        scoped.push({ name, type: before, fromLine: -1, toLine: -1 });
      scoped.push({ name, type, fromLine, toLine });
    }
  };
  const first = def.startPosition.row + 1;
  const last = def.endPosition.row + 1;
  for (const p of fdecl.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!p || p.type !== 'parameter_declaration') continue;
    const pname = declaratorName(p.childForFieldName('declarator'));
    params.push(pname ?? '');
    const st = structTypeName(p.childForFieldName('type'));
    if (pname && st) varTypes[pname] = st;
    const base = baseType(p.childForFieldName('type'), unnamed(p.childForFieldName('type'), file));
    const v = base ? declared(base, p.childForFieldName('declarator')) : undefined;
    if (v) declare(v.name, v.isFunction ? 'fn*' : v.type, first, last);
  }
  for (const d of body.descendantsOfType('declaration')) {
    const typeNode = d?.childForFieldName('type') ?? null;
    if (!d) continue;
    const st = structTypeName(typeNode);
    const base = baseType(typeNode, unnamed(typeNode, file));
    const scope = d.parent;
    for (const decl of d.childrenForFieldName('declarator')) {
      const v = declaratorName(decl);
      if (v && st) varTypes[v] = st;
      const t = base ? declared(base, decl) : undefined;
      if (t && !t.isFunction)
        declare(t.name, t.type, d.startPosition.row + 1, scope ? scope.endPosition.row + 1 : last);
    }
  }
  // The scope a name has when declared once only is the whole function (enough for typing).
  if (scoped) for (const s of scoped) if (s.fromLine < 0) [s.fromLine, s.toLine] = [first, last];
  const retBase = baseType(
    def.childForFieldName('type'),
    unnamed(def.childForFieldName('type'), file),
  );
  const ret = retBase ? declared(retBase, def.childForFieldName('declarator')) : undefined;
  const annotations = masked
    .filter(
      (m) =>
        (m.kind === 'lock-annotation' || m.kind === 'attribute') &&
        m.start >= def.startIndex &&
        m.start < body.startIndex,
    )
    .map((m) => (m.args.length ? `${m.name}(${m.args.join(', ')})` : m.name));
  const builder = new CfgBuilder(file);
  builder.build(body, def.startPosition.row + 1);
  const functionRefs: FunctionFacts['functionRefs'] = [];
  builder.calls.forEach((c, i) => {
    c.args.forEach((a) => {
      if (a.ident) functionRefs.push({ name: a.ident, at: c.at, call: i });
    });
  });
  collectRegistrations(body, file, catalog, registrations, name);
  const lockScopes = guardScopes(body, file, masked);
  const scopedFree = cleanupLocals(body, masked);
  return {
    name,
    file,
    span: spanOf(def, file),
    isStatic,
    hasParseErrors: def.hasError,
    params,
    varTypes,
    declTypes,
    ...(scoped ? { scoped } : {}),
    ...(ret?.isFunction ? { returns: ret.type } : {}),
    annotations,
    calls: builder.calls,
    cfg: builder.nodes,
    functionRefs,
    ...(lockScopes.length ? { lockScopes } : {}),
    ...(scopedFree.length ? { scopedFree } : {}),
  };
}

/** Locals whose declarator carries a masked `__free(...)`/`__cleanup(...)` attribute. */
function cleanupLocals(body: Node, masked: FileFacts['masked']): string[] {
  const marks = masked.filter(
    (m) =>
      m.kind === 'attribute' &&
      (m.name === '__free' || m.name === '__cleanup') &&
      m.start >= body.startIndex &&
      m.start < body.endIndex,
  );
  if (!marks.length) return [];
  const out: string[] = [];
  for (const d of body.descendantsOfType('declaration')) {
    if (!d) continue;
    for (const decl of d.childrenForFieldName('declarator')) {
      if (!decl || !marks.some((m) => m.start >= decl.startIndex && m.start < decl.endIndex))
        continue;
      const v = declaratorName(decl);
      if (v && !out.includes(v)) out.push(v);
    }
  }
  return out;
}

/**
 * cleanup.h scope locks: `guard(class)(args)` to the end of the enclosing block,
 * `scoped_guard(class, args) body` (masked into a while loop) for its body.
 */
function guardScopes(body: Node, file: string, masked: FileFacts['masked']): LockScope[] {
  const out: LockScope[] = [];
  for (const call of body.descendantsOfType('call_expression')) {
    const inner = call?.childForFieldName('function');
    if (!call || inner?.type !== 'call_expression') continue;
    if (inner.childForFieldName('function')?.text !== 'guard') continue;
    const cls = inner.childForFieldName('arguments')?.namedChildren[0]?.text;
    const lock = call.childForFieldName('arguments')?.namedChildren[0]?.text ?? '';
    let block = call.parent;
    while (block && block.type !== 'compound_statement') block = block.parent;
    if (!cls || !block) continue;
    const from = spanOf(call, file);
    const to = spanOf(block, file);
    out.push({ guard: cls, lock, at: { ...from, endLine: to.endLine, endColumn: to.endColumn } });
  }
  for (const m of masked) {
    if (m.kind !== 'iterator' || m.name !== 'scoped_guard' || !m.args[0]) continue;
    const loop = body.descendantsOfType('while_statement').find((w) => w?.startIndex === m.start);
    if (!loop) continue;
    const from = spanOf(loop, file);
    out.push({ guard: m.args[0].trim(), lock: (m.args[1] ?? '').trim(), at: from });
  }
  return out;
}

/** Ops-struct initializers and field assignments that bind a function to a callback slot. */
function collectRegistrations(
  scope: Node,
  file: string,
  catalog: CatalogIndex,
  out: RegistrationFact[],
  inFunction: string | undefined,
): void {
  const inOther = (n: Node) => {
    // At file scope, skip what lies inside function bodies (collected per function).
    if (inFunction !== undefined) return false;
    for (let p = n.parent; p; p = p.parent) if (p.type === 'function_definition') return true;
    return false;
  };
  for (const pair of scope.descendantsOfType('initializer_pair')) {
    if (!pair || inOther(pair)) continue;
    const field =
      pair.childForFieldName('designator')?.text?.replace(/^\./, '') ??
      pair.namedChildren[0]?.text?.replace(/^\./, '');
    const value = pair.childForFieldName('value');
    if (!field || !value || unwrap(value).type !== 'identifier') continue;
    let struct: string | undefined;
    for (let p = pair.parent; p && !struct; p = p.parent)
      if (p.type === 'declaration') struct = structTypeName(p.childForFieldName('type'));
    if (!catalog.opsField(field, struct)) continue;
    const reg: RegistrationFact = {
      handler: unwrap(value).text,
      via: `.${field}`,
      at: spanOf(pair, file),
    };
    if (struct) reg.struct = struct;
    if (inFunction) reg.inFunction = inFunction;
    out.push(reg);
  }
  for (const asg of scope.descendantsOfType('assignment_expression')) {
    if (!asg || inOther(asg)) continue;
    const left = asg.childForFieldName('left');
    const right = asg.childForFieldName('right');
    if (!left || !right || left.type !== 'field_expression' || unwrap(right).type !== 'identifier')
      continue;
    const field = left.childForFieldName('field')?.text;
    if (!field || !catalog.opsField(field)) continue;
    const reg: RegistrationFact = {
      handler: unwrap(right).text,
      via: `.${field}`,
      at: spanOf(asg, file),
    };
    if (inFunction) reg.inFunction = inFunction;
    out.push(reg);
  }
  if (inFunction === undefined) return;
  for (const call of scope.descendantsOfType('call_expression')) {
    if (!call) continue;
    const callee = call.childForFieldName('function')?.text;
    const entry = callee ? catalog.calls.get(callee) : undefined;
    if (!entry || entry.callbackArg === undefined || entry.workItem) continue;
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter(
      (a): a is Node => !!a && a.type !== 'comment',
    );
    const bound = [{ arg: entry.callbackArg, context: undefined }, ...(entry.moreCallbacks ?? [])];
    for (const b of bound) {
      const cb = argAt(args, b.arg);
      if (!cb || unwrap(cb).type !== 'identifier') continue;
      const reg: RegistrationFact = {
        handler: unwrap(cb).text,
        via: callee as string,
        at: spanOf(call, file),
        inFunction,
      };
      if (b.context) reg.context = b.context;
      if (entry.role === 'register' && entry.arg !== undefined && args[entry.arg]) {
        const { root, field } = rootAndField(args[entry.arg] as Node);
        const item = field ?? root;
        if (item) reg.item = item;
      }
      out.push(reg);
    }
  }
}

/** Function pointers stored in struct fields, for resolving `x->field(...)` calls. */
function fieldBindings(root: Node, file: string): FileFacts['fieldBindings'] {
  const out: FileFacts['fieldBindings'] = [];
  for (const pair of root.descendantsOfType('initializer_pair')) {
    const field = pair?.childForFieldName('designator')?.text?.replace(/^\./, '');
    const value = pair?.childForFieldName('value');
    if (!pair || !field || !value || unwrap(value).type !== 'identifier') continue;
    const b: FileFacts['fieldBindings'][number] = {
      field,
      handler: unwrap(value).text,
      at: spanOf(pair, file),
    };
    // The initializer's struct type: through nested lists and `[INDEX] = { ... }`
    // elements (arrays of ops) to the declaration.
    let p = pair.parent;
    for (;;) {
      while (p?.type === 'initializer_list') p = p.parent;
      if (
        p?.type !== 'initializer_pair' ||
        !p.childForFieldName('designator')?.text.startsWith('[')
      )
        break;
      p = p.parent;
    }
    if (p?.type === 'init_declarator') {
      const d = p.parent;
      const t = d?.type === 'declaration' ? d.childForFieldName('type') : null;
      const base = baseType(t, unnamed(t, file));
      if (base) b.struct = base;
    }
    out.push(b);
  }
  for (const asg of root.descendantsOfType('assignment_expression')) {
    const left = asg?.childForFieldName('left');
    const right = asg?.childForFieldName('right');
    if (!asg || left?.type !== 'field_expression' || !right || unwrap(right).type !== 'identifier')
      continue;
    const field = left.childForFieldName('field')?.text;
    if (!field) continue;
    const b: FileFacts['fieldBindings'][number] = {
      field,
      handler: unwrap(right).text,
      at: spanOf(asg, file),
    };
    const recv = left.childForFieldName('argument');
    if (recv) b.receiver = recv.text;
    for (let q = asg.parent; q; q = q.parent)
      if (q.type === 'function_definition') {
        const fd = functionDeclarator(q.childForFieldName('declarator'));
        const name = declaratorName(fd?.childForFieldName('declarator') ?? null);
        if (name) b.inFunction = name;
        break;
      }
    out.push(b);
  }
  return out;
}

/** Conditional directives: `#` first on its line (checked by the caller), then the keyword. */
const CONDITIONAL = /#[^\S\n]*(if|ifdef|ifndef|elif|else|endif)\b/g;

/** `{` and `}` in code[from, to). */
function countBraces(code: string, from: number, to: number): [number, number] {
  let open = 0;
  let close = 0;
  for (let i = code.indexOf('{', from); i >= 0 && i < to; i = code.indexOf('{', i + 1)) open++;
  for (let i = code.indexOf('}', from); i >= 0 && i < to; i = code.indexOf('}', i + 1)) close++;
  return [open, close];
}

/** Problems a reviewer should know about even when every function parsed. */
function fileProblems(text: string, code: string, root: Node): string[] {
  const problems: string[] = [];
  // The conditional directives, with the offset of their line.
  const directives: { kind: string; line: number }[] = [];
  CONDITIONAL.lastIndex = 0;
  for (let m = CONDITIONAL.exec(text); m; m = CONDITIONAL.exec(text)) {
    const line = text.lastIndexOf('\n', m.index - 1) + 1;
    if (/^\s*$/.test(text.slice(line, m.index))) directives.push({ kind: m[1], line });
  }
  // Count braces in the first branch of every #if only: alternative branches
  // often repeat a function header's opening brace. Each directive's line and
  // those up to the next directive are counted by the state the directive leaves.
  let open = 0;
  let close = 0;
  const skipping: boolean[] = [];
  let from = 0;
  let counting = true;
  for (let k = 0; k <= directives.length; k++) {
    const to = k < directives.length ? directives[k].line : text.length;
    if (counting && to > from) {
      const [o, c] = countBraces(code, from, to);
      open += o;
      close += c;
    }
    if (k === directives.length) break;
    const d = directives[k].kind;
    if (d === 'if' || d === 'ifdef' || d === 'ifndef') skipping.push(skipping.at(-1) ?? false);
    else if (d === 'elif' || d === 'else') skipping[skipping.length - 1] = true;
    else if (d === 'endif') skipping.pop();
    counting = !skipping.at(-1);
    from = to;
  }
  if (open !== close) problems.push(`unbalanced braces: ${open} '{' and ${close} '}'`);
  const lineOf = (offset: number) => {
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
    return n;
  };
  let depth = 0;
  const stack: number[] = [];
  for (const { kind, line } of directives) {
    if (kind === 'elif' || kind === 'else') continue;
    if (kind === 'endif') {
      if (depth === 0) problems.push(`#endif without #if at line ${lineOf(line)}`);
      else {
        depth--;
        stack.pop();
      }
    } else {
      depth++;
      stack.push(line);
    }
  }
  for (const line of stack) {
    const nl = text.indexOf('\n', line);
    const first = text
      .slice(line, nl < 0 ? text.length : nl)
      .trim()
      .split(/\s+/)[0];
    problems.push(`#${first.replace('#', '')} at line ${lineOf(line)} has no #endif`);
  }
  if (root.hasError && !problems.length) {
    const err = root.descendantsOfType('ERROR')[0];
    problems.push(
      err
        ? `syntax error at line ${err.startPosition.row + 1}`
        : root.missingRow !== undefined
          ? `syntax error at line ${root.missingRow + 1} (missing token)`
          : 'syntax error (missing token)',
    );
  }
  return problems;
}
