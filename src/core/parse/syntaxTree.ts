// A plain-JavaScript copy of tree-sitter's tree. Reading a web-tree-sitter
// node crosses into WebAssembly and allocates for every property; the facts
// extractors touch each node many times, so the tree is copied once with a
// cursor walk and the WASM tree freed. Only the API the extractors use exists.
import type { Node, Tree } from 'web-tree-sitter';
import type { NodeSink, WasmAccess } from './wasmAccess';

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
  /** 0-based row of the first token the parser had to invent (MISSING), if any. */
  missingRow: number | undefined = undefined;
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  position(offset: number): Point {
    const row = this.row(offset);
    return { row, column: offset - this.starts[row] };
  }

  /** 0-based row of `offset`. */
  row(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** The children of every leaf: one shared array, never changed. */
const NO_CHILDREN: readonly SyntaxNode[] = [];

export class SyntaxNode {
  /** Set once by the copy, each array exactly as long as it needs to be. */
  children = NO_CHILDREN as SyntaxNode[];
  parent: SyntaxNode | null = null;
  /** Field name under which the parent holds this node. */
  fieldName: string | null = null;
  hasError = false;
  /** Id of the last node of this subtree (ids are given in document order). */
  lastId: number;
  private named: SyntaxNode[] | undefined;

  constructor(
    readonly id: number,
    readonly type: string,
    readonly isNamed: boolean,
    readonly startIndex: number,
    readonly endIndex: number,
    private readonly lines: TreeIndex,
  ) {
    this.lastId = id;
  }

  /** 0-based row of the first token the parser had to invent (MISSING) in the tree, if any. */
  get missingRow(): number | undefined {
    return this.lines.missingRow;
  }

  get text(): string {
    return this.lines.text.slice(this.startIndex, this.endIndex);
  }

  /** startPosition.row without the Point. */
  get startRow(): number {
    return this.lines.row(this.startIndex);
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
    if (this.lastId === this.id) return [];
    if (typeof types === 'string') {
      // This subtree's nodes are those with ids in (id, lastId]: a slice of the index.
      const all = this.lines.byType.get(types);
      if (!all) return [];
      return all.slice(firstAbove(all, this.id), firstAbove(all, this.lastId));
    }
    // Each type's slice, merged by id (ids are in document order).
    let out: SyntaxNode[] = [];
    for (let i = 0; i < types.length; i++) {
      const type = types[i];
      if (types.indexOf(type) !== i) continue;
      const some = this.descendantsOfType(type);
      if (!some.length) continue;
      if (!out.length) {
        out = some;
        continue;
      }
      const merged: SyntaxNode[] = [];
      let a = 0;
      let b = 0;
      while (a < out.length && b < some.length)
        merged.push(out[a].id < some[b].id ? out[a++] : some[b++]);
      while (a < out.length) merged.push(out[a++]);
      while (b < some.length) merged.push(some[b++]);
      out = merged;
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

/** The cursor moves and reads the copy needs (web-tree-sitter's TreeCursor or a RawCursor). */
interface WalkCursor {
  typeId(): number;
  fieldId(): number;
  startIndex(): number;
  endIndex(): number;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
  close(): void;
}

function publicCursor(tree: Tree): WalkCursor {
  const c = tree.walk();
  return {
    typeId: () => c.nodeTypeId,
    fieldId: () => c.currentFieldId,
    startIndex: () => c.startIndex,
    endIndex: () => c.endIndex,
    gotoFirstChild: () => c.gotoFirstChild(),
    gotoNextSibling: () => c.gotoNextSibling(),
    gotoParent: () => c.gotoParent(),
    close: () => c.delete(),
  };
}

/**
 * Copies a tree-sitter tree into SyntaxNodes over `text` (the text that was
 * parsed). Only named nodes and operators are copied: other anonymous tokens (punctuation,
 * keywords) are stepped over, since every read is a call into WebAssembly. With
 * `wasm`, the cursor calls the runtime's exports directly (a third of the calls).
 */
/** Per grammar symbol: its name and how the copy treats it (hash lookups once per language). */
interface SymbolTable {
  names: string[];
  named: boolean[];
  wordLeaf: boolean[];
  opaque: boolean[];
  fieldless: boolean[];
}
const symbolTables = new WeakMap<Tree['language'], SymbolTable>();

function symbolTable(language: Tree['language']): SymbolTable {
  let table = symbolTables.get(language);
  if (table) return table;
  // `types` has holes (symbol 0, the end of input): ask for those by id.
  const names = Array.from(
    { length: language.types.length },
    (_, i) => language.types[i] ?? language.nodeTypeForId(i) ?? 'ERROR',
  );
  table = {
    names,
    named: names.map((_, i) => language.nodeTypeIsNamed(i)),
    wordLeaf: names.map((n) => WORD_LEAVES.has(n)),
    opaque: names.map((n) => OPAQUE.has(n)),
    fieldless: names.map((n) => FIELDLESS_PARENTS.has(n)),
  };
  symbolTables.set(language, table);
  return table;
}

/**
 * Nodes a process copies with the cursor before the memory walk takes over.
 * The memory walk is script: until V8 has optimised it (a process's first
 * files) it is slower than the cursor, whose steps are compiled C; optimised,
 * it copies a tree in about two thirds of the time. Measured on 6.12 fs/nfsd:
 * the first two files copy faster by cursor, later ones by memory.
 */
const MEMORY_WALK_AFTER = 20000;
let copiedNodes = 0;

/** How copyTree reads a tree through `wasm`: `auto` is the cursor first, then memory. */
export type TreeWalk = 'auto' | 'memory' | 'cursor';

export function copyTree(
  tree: Tree,
  text: string,
  wasm?: WasmAccess,
  walk: TreeWalk = 'auto',
): SyntaxNode {
  const language = tree.language;
  const fields = language.fields;
  const { names, named, wordLeaf, opaque, fieldless } = symbolTable(language);
  const lines = new TreeIndex(text);
  /** The byType list of each symbol (symbols with one name share it). */
  const lists: (SyntaxNode[] | undefined)[] = [];
  let id = 0;
  // The children of the nodes still open are collected on one stack and each
  // node's are copied out when it closes: an array grown by push() would carry
  // room for 16 children, most nodes have one to three.
  // `kids` is used up to `top` (never shortened: setting an array's length is a slow call).
  const kids: SyntaxNode[] = [];
  let top = 0;
  const open: SyntaxNode[] = [];
  const starts: number[] = [];
  const opened = (n: SyntaxNode) => {
    open.push(n);
    starts.push(top);
  };
  const closed = () => {
    const n = open.pop() as SyntaxNode;
    const from = starts.pop() as number;
    if (top > from) {
      n.children = kids.slice(from, top);
      top = from;
    }
  };
  /** `end` a cursor: ask it, unless the node is an identifier-like leaf (measured in the text). */
  const make = (
    typeId: number,
    parent: SyntaxNode | null,
    field: number,
    isNamed: boolean,
    start: number,
    end: number | WalkCursor,
  ): SyntaxNode => {
    const isError = typeId === ERROR_TYPE_ID;
    const type = isError ? 'ERROR' : (names[typeId] ?? language.nodeTypeForId(typeId) ?? 'ERROR');
    // Identifier-like leaves end where their characters end.
    let to = start;
    if (!isError && wordLeaf[typeId])
      while (to < text.length && isWordChar(text.charCodeAt(to))) to++;
    if (to === start) to = typeof end === 'number' ? end : end.endIndex();
    const n = new SyntaxNode(id++, type, isNamed, start, to, lines);
    if (field) n.fieldName = fields[field] ?? null;
    if (parent) {
      n.parent = parent;
      kids[top++] = n;
      // Created in document order (pre-order), as descendantsOfType returns them.
      let list = lists[typeId];
      if (!list) {
        list = lines.byType.get(type);
        if (!list) lines.byType.set(type, (list = []));
        lists[typeId] = list;
      }
      list.push(n);
    }
    if (isError)
      for (let p: SyntaxNode | null = n; p && !p.hasError; p = p.parent) p.hasError = true;
    return n;
  };
  /** Whether a node of this symbol is copied without its insides. */
  const isOpaque = (t: number) => t !== ERROR_TYPE_ID && opaque[t] === true;

  // Straight out of WebAssembly memory when the runtime allows it.
  let root: SyntaxNode | null = null;
  let parent: SyntaxNode | null = null;
  let parentFieldless = false;
  const sink: NodeSink = {
    node(t, fieldId, start, end) {
      if (!parent) {
        root = parent = make(t, null, 0, true, start, end);
        parentFieldless = FIELDLESS_PARENTS.has(root.type);
        opened(root);
        return true;
      }
      // Children of list-like nodes carry no field the extractors read.
      const field = parentFieldless ? 0 : fieldId;
      if (named[t] || t === ERROR_TYPE_ID) {
        const node = make(t, parent, field, true, start, end);
        if (isOpaque(t)) return false;
        opened(node);
        parent = node;
        parentFieldless = fieldless[t] === true;
        return true;
      }
      // Anonymous tokens matter only when they fill a field (an operator).
      if (field) make(t, parent, field, false, start, end);
      return false;
    },
    leave() {
      if (!parent) return;
      // Every node of `parent`'s subtree has been made.
      parent.lastId = id - 1;
      closed();
      parent = parent.parent;
      parentFieldless = parent !== null && FIELDLESS_PARENTS.has(parent.type);
    },
  };
  const useMemory = walk === 'memory' || (walk === 'auto' && copiedNodes >= MEMORY_WALK_AFTER);
  const fromMemory = useMemory && wasm?.readTree(tree, sink) === true;
  copiedNodes += id;
  if (fromMemory && root) {
    while (open.length) closed();
    return finish(root, tree, id, lines);
  }
  lists.length = 0;
  lines.byType.clear();
  id = 0;
  top = open.length = starts.length = 0;

  const c = wasm?.openCursor(tree) ?? publicCursor(tree);
  try {
    root = make(c.typeId(), null, 0, true, c.startIndex(), c);
    opened(root);
    walk: {
      let parent: SyntaxNode | null = root;
      let parentFieldless = FIELDLESS_PARENTS.has(root.type);
      if (!c.gotoFirstChild()) break walk;
      for (;;) {
        const t = c.typeId();
        // Children of list-like nodes carry no field the extractors read.
        const field = parent && parentFieldless ? 0 : c.fieldId();
        let node: SyntaxNode | undefined;
        if (named[t] || t === ERROR_TYPE_ID) node = make(t, parent, field, true, c.startIndex(), c);
        // Anonymous tokens matter only when they fill a field (an operator).
        else if (field) make(t, parent, field, false, c.startIndex(), c);
        if (node && !isOpaque(t) && c.gotoFirstChild()) {
          parentFieldless = fieldless[t] === true;
          parent = node;
          opened(node);
          continue;
        }
        while (!c.gotoNextSibling()) {
          if (!c.gotoParent() || !parent) break walk;
          // Every node of `parent`'s subtree has been made.
          parent.lastId = id - 1;
          closed();
          parent = parent.parent;
          if (!parent) break walk;
          parentFieldless = FIELDLESS_PARENTS.has(parent.type);
        }
      }
    }
  } finally {
    c.close();
  }
  // Nodes the walk left without stepping back out of (the root, at least).
  while (open.length) closed();
  copiedNodes += id;
  // The raw cursor is closed before tree-sitter is asked anything else.
  return finish(root, tree, id, lines);
}

function finish(root: SyntaxNode, tree: Tree, nextId: number, lines: TreeIndex): SyntaxNode {
  root.lastId = nextId - 1;
  return markMissing(root, tree, lines);
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
function markMissing(root: SyntaxNode, tree: Tree, lines: TreeIndex): SyntaxNode {
  if (!tree.rootNode.hasError) return root;
  root.hasError = true;
  // MISSING tokens are anonymous, so the copy has none: note where the first one is.
  for (let n: Node | null = tree.rootNode; n;) {
    if (n.isMissing) {
      lines.missingRow = n.startPosition.row;
      break;
    }
    n = n.children.find((c) => c !== null && (c.hasError || c.isMissing)) ?? null;
  }
  // Functions containing an error: an error marks every ancestor, so only nodes
  // with one are descended into (tree-sitter's descendantsOfType walks them all).
  const bad = new Set<number>();
  const stack: Node[] = [tree.rootNode];
  while (stack.length) {
    const n = stack.pop() as Node;
    if (n.type === 'function_definition') bad.add(n.startIndex);
    for (const c of n.children) if (c?.hasError) stack.push(c);
  }
  if (!bad.size) return root;
  for (const f of root.descendantsOfType('function_definition'))
    if (bad.has(f.startIndex))
      for (let p: SyntaxNode | null = f; p && !p.hasError; p = p.parent) p.hasError = true;
  return root;
}
