// Small helpers over tree-sitter nodes shared by the fact extractors.
import type { SyntaxNode as Node } from '../parse/syntaxTree';
import type { Span } from '../model';
import type { ArgFact } from './factTypes';

export function spanOf(node: Node, file: string): Span {
  const start = node.startPosition;
  const end = node.endPosition;
  return {
    file,
    line: start.row + 1,
    column: start.column + 1,
    endLine: end.row + 1,
    endColumn: end.column + 1,
  };
}

/** Strips parentheses, casts and unary & / * to reach the expression's core. */
export function unwrap(node: Node): Node {
  let n = node;
  for (;;) {
    if (n.type === 'parenthesized_expression' || n.type === 'cast_expression') {
      const inner =
        n.type === 'cast_expression' ? n.childForFieldName('value') : n.namedChildren.at(-1);
      if (!inner) return n;
      n = inner;
    } else if (n.type === 'pointer_expression') {
      const inner = n.childForFieldName('argument');
      if (!inner) return n;
      n = inner;
    } else return n;
  }
}

/** Root identifier and last field of an lvalue-ish expression. */
export function rootAndField(node: Node): { root?: string; field?: string } {
  let n = unwrap(node);
  let field: string | undefined;
  for (;;) {
    if (n.type === 'field_expression') {
      field ??= n.childForFieldName('field')?.text;
      const a = n.childForFieldName('argument');
      if (!a) break;
      n = unwrap(a);
    } else if (n.type === 'subscript_expression') {
      const a = n.childForFieldName('argument');
      if (!a) break;
      n = unwrap(a);
    } else break;
  }
  return n.type === 'identifier' ? { root: n.text, field } : { field };
}

export function argFact(node: Node): ArgFact {
  const core = unwrap(node);
  const { root, field } = rootAndField(node);
  const text = node.text;
  // Every field from the start (undefined when absent, which JSON leaves out): one
  // object shape for the passes that read arguments.
  const fact: ArgFact = {
    text: text.length > 200 ? text.slice(0, 200) : text,
    root: undefined,
    field: undefined,
    ident: undefined,
    object: undefined,
  };
  if (root) fact.root = root;
  if (field) fact.field = field;
  if (core.type === 'identifier') fact.ident = core.text;
  const object = objectPath(node);
  if (object) fact.object = object;
  return fact;
}

/** Name declared by a (possibly pointer/array/function) declarator. */
export function declaratorName(node: Node | null): string | undefined {
  let n = node;
  while (n) {
    if (n.type === 'identifier' || n.type === 'field_identifier') return n.text;
    n = n.childForFieldName('declarator');
  }
  return undefined;
}

/** The function_declarator inside a definition's declarator chain. */
export function functionDeclarator(node: Node | null): Node | undefined {
  let n = node;
  while (n) {
    if (n.type === 'function_declarator') return n;
    n = n.childForFieldName('declarator');
  }
  return undefined;
}

/** `struct X` type name of a declaration's type node, if any. */
export function structTypeName(typeNode: Node | null): string | undefined {
  if (!typeNode) return undefined;
  if (typeNode.type === 'struct_specifier' || typeNode.type === 'union_specifier')
    return typeNode.childForFieldName('name')?.text;
  return undefined;
}

/** Calls inside `node` in evaluation order (arguments before the call). */
export function callsIn(node: Node): Node[] {
  // A fresh array (never the tree's own): sorted in place.
  const calls = node.descendantsOfType('call_expression');
  if (node.type === 'call_expression') calls.push(node);
  return calls.sort((a, b) => a.endIndex - b.endIndex || b.startIndex - a.startIndex);
}

export function calleeName(call: Node): string | undefined {
  const f = call.childForFieldName('function');
  if (!f) return undefined;
  const core = unwrap(f);
  if (core.type === 'identifier') return core.text;
  return undefined;
}

/**
 * Access path of the object an argument designates. `&x->member` names a member
 * embedded in x (a refcount, list node, rcu head), so the object is x.
 */
export function objectPath(node: Node): string | undefined {
  let n = withoutConversions(node);
  let addressOf = false;
  if (n.type === 'pointer_expression' && n.childForFieldName('operator')?.text === '&') {
    addressOf = true;
    const inner = n.childForFieldName('argument');
    if (!inner) return undefined;
    n = inner;
  }
  const path = accessPath(n);
  if (!path) return undefined;
  if (addressOf && n.type === 'field_expression')
    return path.replace(/(->|\.)[A-Za-z_][A-Za-z0-9_]*$/, '');
  return path;
}

function accessPath(n: Node): string | undefined {
  if (n.type === 'identifier') return n.text;
  if (n.type === 'parenthesized_expression') {
    const inner = n.namedChildren.at(-1);
    return inner ? accessPath(inner) : undefined;
  }
  if (n.type === 'field_expression') {
    const base = n.childForFieldName('argument');
    const field = n.childForFieldName('field')?.text;
    const op = n.childForFieldName('operator')?.text ?? '->';
    const b = base ? accessPath(base) : undefined;
    return b && field ? `${b}${op}${field}` : undefined;
  }
  return undefined;
}

/** `n` without parentheses and casts. */
export function withoutConversions(n: Node): Node {
  let cur = n;
  for (;;) {
    const inner =
      cur.type === 'cast_expression'
        ? cur.childForFieldName('value')
        : cur.type === 'parenthesized_expression'
          ? cur.namedChildren.at(-1)
          : undefined;
    if (!inner) return cur;
    cur = inner;
  }
}
