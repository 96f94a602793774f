// A plain-JavaScript copy of tree-sitter's tree. Reading a web-tree-sitter
// node crosses into WebAssembly and allocates for every property; the facts
// extractors touch each node many times, so the tree is copied once with a
// cursor walk and the WASM tree freed. Only the API the extractors use exists.
import type { Node, Tree } from 'web-tree-sitter';

export interface Point {
  row: number;
  column: number;
}

/**
 * What all nodes of one copied tree share: the text with its line starts (offsets
 * -> rows and columns), and every node by type in document order, so that
 * descendantsOfType is a lookup instead of a walk.
 */
export class TreeIndex {
  private readonly starts: number[] = [0];
  readonly byType = new Map<string, SyntaxNode[]>();
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  position(offset: number): Point {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { row: lo, column: offset - this.starts[lo] };
  }
}

export class SyntaxNode {
  readonly children: SyntaxNode[] = [];
  parent: SyntaxNode | null = null;
  /** Field name under which the parent holds this node. */
  fieldName: string | null = null;
  hasError = false;
  /** Root only: 0-based row of the first token the parser had to invent (MISSING), if any. */
  missingRow?: number;
  /** Id of the last node of this subtree (ids are given in document order). */
  lastId: number;
  private named: SyntaxNode[] | undefined;

  constructor(
    readonly id: number,
    readonly type: string,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
    readonly startIndex: number,
    readonly endIndex: number,
    private readonly lines: TreeIndex,
  ) {
    this.lastId = id;
  }

  get text(): string {
    return this.lines.text.slice(this.startIndex, this.endIndex);
  }

  get startPosition(): Point {
    return this.lines.position(this.startIndex);
  }

  get endPosition(): Point {
    return this.lines.position(this.endIndex);
  }

  get namedChildren(): SyntaxNode[] {
    this.named ??= this.children.filter((c) => c.isNamed);
    return this.named;
  }

  childForFieldName(name: string): SyntaxNode | null {
    for (const c of this.children) if (c.fieldName === name) return c;
    return null;
  }

  childrenForFieldName(name: string): SyntaxNode[] {
    return this.children.filter((c) => c.fieldName === name);
  }

  /** Descendants (not this node) of the given types, in document order. */
  descendantsOfType(types: string | string[]): SyntaxNode[] {
    if (typeof types === 'string') {
      // This subtree's nodes are those with ids in (id, lastId]: a slice of the index.
      const all = this.lines.byType.get(types);
      if (!all) return [];
      const from = firstAbove(all, this.id);
      let to = from;
      while (to < all.length && all[to].id <= this.lastId) to++;
      return all.slice(from, to);
    }
    const want = types;
    const out: SyntaxNode[] = [];
    const stack: SyntaxNode[] = [];
    for (let i = this.children.length - 1; i >= 0; i--) stack.push(this.children[i]);
    while (stack.length) {
      const n = stack.pop() as SyntaxNode;
      if (want.includes(n.type)) out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
    return out;
  }
}

/** Node types whose insides the extractors never read: not copied. */
const OPAQUE = new Set([
  'string_literal',
  'char_literal',
  'comment',
  'concatenated_string',
  'system_lib_string',
]);
const ERROR_TYPE_ID = 0xffff;
const WORD_LEAVES = new Set([
  'identifier',
  'field_identifier',
  'type_identifier',
  'statement_identifier',
  'primitive_type',
  'null',
  'true',
  'false',
]);
const FIELDLESS_PARENTS = new Set([
  'translation_unit',
  'compound_statement',
  'argument_list',
  'parameter_list',
  'field_declaration_list',
  'initializer_list',
  'expression_statement',
  'parenthesized_expression',
  'enumerator_list',
  'preproc_ifdef',
  'preproc_if',
  'preproc_else',
  'case_statement',
]);

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * Copies a tree-sitter tree into SyntaxNodes over `text` (the text that was
 * parsed). Only named nodes and operators are copied: other anonymous tokens (punctuation,
 * keywords) are stepped over, since every read is a call into WebAssembly.
 */
export function copyTree(tree: Tree, text: string): SyntaxNode {
  const language = tree.language;
  const types = language.types;
  const fields = language.fields;
  const named: boolean[] = types.map((_, i) => language.nodeTypeIsNamed(i));
  const lines = new TreeIndex(text);
  const cursor = tree.walk();
  let id = 0;
  const make = (
    typeId: number,
    parent: SyntaxNode | null,
    field: number,
    isNamed = true,
  ): SyntaxNode => {
    const type = typeId === ERROR_TYPE_ID ? 'ERROR' : (types[typeId] ?? cursor.nodeType);
    const start = cursor.startIndex;
    // Identifier-like leaves end where their characters end: no call into WASM needed.
    let end = start;
    if (WORD_LEAVES.has(type)) while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
    if (end === start) end = cursor.endIndex;
    const n = new SyntaxNode(id++, type, isNamed, false, start, end, lines);
    if (field) n.fieldName = fields[field] ?? null;
    if (parent) {
      n.parent = parent;
      parent.children.push(n);
      // Created in document order (pre-order), as descendantsOfType returns them.
      const list = lines.byType.get(type);
      if (list) list.push(n);
      else lines.byType.set(type, [n]);
    }
    if (typeId === ERROR_TYPE_ID)
      for (let p: SyntaxNode | null = n; p && !p.hasError; p = p.parent) p.hasError = true;
    return n;
  };
  const root = make(cursor.nodeTypeId, null, 0);
  try {
    let parent: SyntaxNode | null = root;
    if (!cursor.gotoFirstChild()) return finish(root, tree, id);
    for (;;) {
      const t = cursor.nodeTypeId;
      // Children of list-like nodes carry no field the extractors read.
      const field = parent && FIELDLESS_PARENTS.has(parent.type) ? 0 : cursor.currentFieldId;
      let node: SyntaxNode | undefined;
      if (named[t] || t === ERROR_TYPE_ID) node = make(t, parent, field);
      // Anonymous tokens matter only when they fill a field (an operator).
      else if (field) make(t, parent, field, false);
      if (node && !OPAQUE.has(node.type) && cursor.gotoFirstChild()) {
        parent = node;
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent() || !parent) return finish(root, tree, id);
        // Every node of `parent`'s subtree has been made.
        parent.lastId = id - 1;
        parent = parent.parent;
        if (!parent) return finish(root, tree, id);
      }
    }
  } finally {
    cursor.delete();
  }
}

function finish(root: SyntaxNode, tree: Tree, nextId: number): SyntaxNode {
  root.lastId = nextId - 1;
  return markMissing(root, tree);
}

/** Index of the first node in `nodes` (sorted by id) whose id is above `id`. */
function firstAbove(nodes: SyntaxNode[], id: number): number {
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (nodes[mid].id <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** MISSING tokens are not copied: ask tree-sitter which functions contain errors. */
function markMissing(root: SyntaxNode, tree: Tree): SyntaxNode {
  if (!tree.rootNode.hasError) return root;
  root.hasError = true;
  // MISSING tokens are anonymous, so the copy has none: note where the first one is.
  for (let n: Node | null = tree.rootNode; n;) {
    if (n.isMissing) {
      root.missingRow = n.startPosition.row;
      break;
    }
    n = n.children.find((c) => c !== null && (c.hasError || c.isMissing)) ?? null;
  }
  const bad = new Set<number>();
  for (const f of tree.rootNode.descendantsOfType('function_definition'))
    if (f?.hasError) bad.add(f.startIndex);
  if (!bad.size) return root;
  for (const f of root.descendantsOfType('function_definition'))
    if (bad.has(f.startIndex))
      for (let p: SyntaxNode | null = f; p && !p.hasError; p = p.parent) p.hasError = true;
  return root;
}
