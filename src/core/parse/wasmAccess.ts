// Direct use of web-tree-sitter's Emscripten module, for the two hot paths its
// public API makes slow: feeding the text (its callback re-encodes up to 10 KB
// of string every time the lexer asks) and walking the tree (every cursor
// property re-writes the cursor into WebAssembly memory before the call).
// `Parser.init(options)` makes the options object the Emscripten module, so
// its exports and memory views are read from there. When anything expected is
// missing (another web-tree-sitter build), the public API is used instead.
import type { Parser, Tree } from 'web-tree-sitter';

type CursorOp = (tree: number) => number;

/** The members of the Emscripten module used here. */
interface EmscriptenModule {
  HEAP32?: Int32Array;
  HEAPU8?: Uint8Array;
  HEAPU16?: Uint16Array;
  HEAPU32?: Uint32Array;
  _ts_init?: () => number;
  _ts_tree_cursor_current_node_type_id_wasm?: CursorOp;
  _ts_tree_cursor_current_field_id_wasm?: CursorOp;
  _ts_tree_cursor_start_index_wasm?: CursorOp;
  _ts_tree_cursor_end_index_wasm?: CursorOp;
  _ts_tree_cursor_goto_first_child_wasm?: CursorOp;
  _ts_tree_cursor_goto_next_sibling_wasm?: CursorOp;
  _ts_tree_cursor_goto_parent_wasm?: CursorOp;
}

type ParseCallbackImport = (
  buffer: number,
  index: number,
  row: number,
  column: number,
  lengthAddress: number,
) => void;

interface InitOptions {
  wasmBinary: Uint8Array;
  instantiateWasm: (
    imports: { env: Record<string, unknown> },
    done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ) => Record<string, never>;
}

/** UTF-16 code units the runtime's input buffer holds (10 KiB, one kept for the terminator). */
const INPUT_UNITS = 5119;
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A tree cursor driven through the runtime's exports, state kept in its transfer buffer. */
export class RawCursor {
  constructor(
    private readonly m: Required<EmscriptenModule>,
    private readonly tree: number,
    private readonly done: () => void,
  ) {}
  typeId(): number {
    return this.m._ts_tree_cursor_current_node_type_id_wasm(this.tree);
  }
  fieldId(): number {
    return this.m._ts_tree_cursor_current_field_id_wasm(this.tree);
  }
  startIndex(): number {
    return this.m._ts_tree_cursor_start_index_wasm(this.tree);
  }
  endIndex(): number {
    return this.m._ts_tree_cursor_end_index_wasm(this.tree);
  }
  gotoFirstChild(): boolean {
    return this.m._ts_tree_cursor_goto_first_child_wasm(this.tree) === 1;
  }
  gotoNextSibling(): boolean {
    return this.m._ts_tree_cursor_goto_next_sibling_wasm(this.tree) === 1;
  }
  gotoParent(): boolean {
    return this.m._ts_tree_cursor_goto_parent_wasm(this.tree) === 1;
  }
  /** Frees the cursor. */
  close(): void {
    this.done();
  }
}

export interface WasmAccess {
  /** Whether the input callback was replaced (else parseEncoded is the public parse). */
  readonly encodesInput: boolean;
  /** Parses `text`, feeding the lexer from one pre-encoded copy. */
  parseEncoded(parser: Parser, text: string): Tree | null;
  /**
   * A cursor at the root of `tree` whose moves and reads are single calls into
   * WebAssembly. Nothing else may use the runtime until it is closed.
   */
  openCursor(tree: Tree): RawCursor | undefined;
  /**
   * Walks `tree`'s visible nodes in document order straight out of WebAssembly
   * memory (no call into it), as a cursor would meet them. False, having
   * visited nothing, when the memory does not hold the layout this reader knows.
   */
  readTree(tree: Tree, sink: NodeSink): boolean;
}

/** What a walk of the tree reports, node by node. */
export interface NodeSink {
  /**
   * A visible node (`typeId` as the cursor's, 0xffff for ERROR; offsets in
   * UTF-16 units). Returning true asks for its children, then `leave()`.
   */
  node(typeId: number, fieldId: number, startIndex: number, endIndex: number): boolean;
  leave(): void;
}

/**
 * Where tree-sitter (the C library inside web-tree-sitter 0.25-0.27, wasm32)
 * keeps what a walk needs. Subtree: 8 bytes, either inline (bit 0 of its first
 * byte set) or a pointer to SubtreeHeapData, whose children precede it.
 */
const HEAP = {
  paddingBytes: 4,
  sizeBytes: 16,
  childCount: 36,
  symbol: 40,
  flags: 44,
  productionId: 66,
} as const;
/** TSLanguage fields (ABI 14 and 15 share this prefix). */
const LANGUAGE = {
  abi: 0,
  symbolCount: 4,
  aliasCount: 8,
  fieldCount: 32,
  maxAliasSequenceLength: 36,
  symbolNames: 56,
  fieldNames: 60,
  fieldMapSlices: 64,
  fieldMapEntries: 68,
  publicSymbolMap: 76,
  aliasSequences: 84,
} as const;
const ERROR_SYMBOL = 0xffff;

/** The tables of one language a walk reads, or undefined when the layout is not recognised. */
interface LanguageTables {
  fieldCount: number;
  maxAlias: number;
  fieldMapSlices: number;
  fieldMapEntries: number;
  publicSymbolMap: number;
  aliasSequences: number;
}

function cString(heap: Uint8Array, at: number): string {
  let end = at;
  while (heap[end] !== 0 && end < heap.length) end++;
  return String.fromCharCode(...heap.subarray(at, end));
}

/** Checks the language's header against what the public API says of it. */
function languageTables(
  m: Required<EmscriptenModule>,
  language: Tree['language'],
): LanguageTables | undefined {
  const address = (language as unknown as { 0?: unknown })[0];
  if (typeof address !== 'number' || address <= 0 || address % 4) return undefined;
  const u32 = m.HEAPU32;
  const u16 = m.HEAPU16;
  const at = (field: number) => u32[(address + field) >> 2];
  const abi = at(LANGUAGE.abi);
  if (abi !== 14 && abi !== 15) return undefined;
  if (at(LANGUAGE.symbolCount) + at(LANGUAGE.aliasCount) !== language.types.length)
    return undefined;
  const fieldCount = at(LANGUAGE.fieldCount);
  if (fieldCount !== language.fields.length - 1) return undefined;
  const names = at(LANGUAGE.symbolNames);
  for (let i = 1; i < Math.min(40, language.types.length); i++) {
    const name = language.types[i];
    if (name !== undefined && cString(m.HEAPU8, u32[(names >> 2) + i]) !== name) return undefined;
  }
  const fieldNames = at(LANGUAGE.fieldNames);
  for (let i = 1; i <= fieldCount; i++)
    if (cString(m.HEAPU8, u32[(fieldNames >> 2) + i]) !== language.fields[i]) return undefined;
  return {
    fieldCount,
    maxAlias: u16[(address + LANGUAGE.maxAliasSequenceLength) >> 1],
    fieldMapSlices: at(LANGUAGE.fieldMapSlices),
    fieldMapEntries: at(LANGUAGE.fieldMapEntries),
    publicSymbolMap: at(LANGUAGE.publicSymbolMap),
    aliasSequences: at(LANGUAGE.aliasSequences),
  };
}

/**
 * The walk tree-sitter's cursor makes (tree_cursor.c), over memory: hidden
 * nodes are stepped into, their children counted as their parent's; an alias
 * makes a node visible and names it; a node's field is the first
 * non-inherited field map entry for its structural index, else (through
 * hidden parents) its hidden parent's.
 */
function walkMemory(
  m: Required<EmscriptenModule>,
  t: LanguageTables,
  root: number,
  sink: NodeSink,
): void {
  const u8 = m.HEAPU8;
  const u16 = m.HEAPU16;
  const u32 = m.HEAPU32;
  const publicSymbols = t.publicSymbolMap >> 1;
  // One loop, no recursion (V8 optimises a long-running loop early, which
  // matters in a process's first files). The subtree whose children are being
  // walked is in locals; the ones above it wait on a stack, 9 numbers each.
  const stack: number[] = [];
  let parent = 0;
  let count = 0;
  let k = 0;
  let pos = 0;
  let structural = 0;
  let inherited = 0;
  let aliases = 0;
  let fields = 0;
  let fieldsEnd = 0;
  /** 1 when the subtree is a visible node (left with sink.leave() when done). */
  let visibleParent = 0;
  const enter = (subtree: number, position: number, field: number, visible: number) => {
    if (parent)
      stack.push(
        parent,
        count,
        k,
        pos,
        structural,
        inherited,
        aliases,
        fields,
        fieldsEnd,
        visibleParent,
      );
    const production = u16[(subtree + HEAP.productionId) >> 1];
    parent = subtree;
    count = u32[(subtree + HEAP.childCount) >> 2];
    k = 0;
    pos = position;
    structural = 0;
    inherited = field;
    aliases = production ? (t.aliasSequences >> 1) + production * t.maxAlias : 0;
    fields = 0;
    fieldsEnd = 0;
    if (t.fieldCount) {
      const slice = (t.fieldMapSlices >> 1) + production * 2;
      fields = (t.fieldMapEntries >> 2) + u16[slice];
      fieldsEnd = fields + u16[slice + 1];
    }
    visibleParent = visible;
  };
  if (u8[root] & 1) throw new Error('inline root');
  const top = u32[root >> 2];
  const start = u32[(top + HEAP.paddingBytes) >> 2];
  const size = u32[(top + HEAP.sizeBytes) >> 2];
  const rootSymbol = u16[(top + HEAP.symbol) >> 1];
  const rootType = rootSymbol === ERROR_SYMBOL ? rootSymbol : u16[publicSymbols + rootSymbol];
  if (!sink.node(rootType, 0, start >> 1, (start + size) >> 1)) return;
  enter(top, start, 0, 1);
  for (;;) {
    if (k === count) {
      if (visibleParent) sink.leave();
      if (!stack.length) return;
      visibleParent = stack.pop() as number;
      fieldsEnd = stack.pop() as number;
      fields = stack.pop() as number;
      aliases = stack.pop() as number;
      inherited = stack.pop() as number;
      structural = stack.pop() as number;
      pos = stack.pop() as number;
      k = stack.pop() as number;
      count = stack.pop() as number;
      parent = stack.pop() as number;
      continue;
    }
    const slot = parent - 8 * (count - k);
    k++;
    const c0 = u8[slot];
    let heap = 0;
    let symbol: number;
    let visible: number;
    let extra: number;
    let size: number;
    let grandchildren = 0;
    if (c0 & 1) {
      visible = c0 & 2;
      extra = c0 & 8;
      symbol = u8[slot + 1];
      size = u8[slot + 7];
    } else {
      heap = u32[slot >> 2];
      const flags = u8[heap + HEAP.flags];
      visible = flags & 1;
      extra = flags & 4;
      symbol = u16[(heap + HEAP.symbol) >> 1];
      size = u32[(heap + HEAP.sizeBytes) >> 2];
      grandchildren = u32[(heap + HEAP.childCount) >> 2];
    }
    let alias = 0;
    let field = 0;
    if (!extra) {
      if (aliases) alias = u16[aliases + structural];
      for (let e = fields; e < fieldsEnd; e++) {
        const entry = u32[e];
        // TSFieldMapEntry: field_id (u16), child_index (u8), inherited (bool).
        if (((entry >>> 16) & 0xff) === structural && !(entry >>> 24)) {
          field = entry & 0xffff;
          break;
        }
      }
      if (!field) field = inherited;
      structural++;
    }
    const at = pos;
    // This subtree's position moves past the child and the next one's padding.
    pos += size;
    if (k < count) {
      const n = slot + 8;
      pos += u8[n] & 1 ? u8[n + 6] : u32[(u32[n >> 2] + HEAP.paddingBytes) >> 2];
    }
    if (visible || alias) {
      const s = alias || symbol;
      const type = s === ERROR_SYMBOL ? s : u16[publicSymbols + s];
      if (sink.node(type, field, at >> 1, (at + size) >> 1)) {
        if (grandchildren) enter(heap, at, 0, 1);
        else sink.leave();
      }
    } else if (grandchildren) enter(heap, at, field, 0);
  }
}

const REQUIRED: (keyof EmscriptenModule)[] = [
  '_ts_init',
  '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_current_field_id_wasm',
  '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
  '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm',
  '_ts_tree_cursor_goto_parent_wasm',
];

/**
 * Options for `Parser.init` and, once it has resolved, the access they give
 * (undefined if the module lacks what is needed).
 */
export function wasmAccess(runtime: Uint8Array): {
  options: InitOptions;
  /** Rejects if the runtime cannot be instantiated (Emscripten's hook has no error path). */
  failed: Promise<never>;
  access: () => WasmAccess | undefined;
} {
  const module: EmscriptenModule = {};
  let fail: (e: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  let feed: Uint16Array | undefined;
  let hooked = false;
  const options: InitOptions & EmscriptenModule = Object.assign(module, {
    wasmBinary: runtime,
    instantiateWasm: (
      imports: { env: Record<string, unknown> },
      done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ) => {
      const original = imports.env.tree_sitter_parse_callback as ParseCallbackImport | undefined;
      if (typeof original === 'function' && littleEndian) {
        hooked = true;
        imports.env.tree_sitter_parse_callback = ((buffer, index, row, column, lengthAddress) => {
          const heap16 = module.HEAPU16;
          const heap32 = module.HEAP32;
          if (!feed || !heap16 || !heap32)
            return original(buffer, index, row, column, lengthAddress);
          // As the string input does: the length left, and at most one buffer of it.
          const left = Math.max(0, feed.length - index);
          heap32[lengthAddress >> 2] = left;
          const n = Math.min(left, INPUT_UNITS);
          heap16.set(feed.subarray(index, index + n), buffer >> 1);
          heap16[(buffer >> 1) + n] = 0;
        }) satisfies ParseCallbackImport;
      }
      void WebAssembly.instantiate(runtime as BufferSource, imports as WebAssembly.Imports).then(
        (r) => done(r.instance, r.module),
        fail,
      );
      return {};
    },
  });
  const access = (): WasmAccess | undefined => {
    if (!REQUIRED.every((k) => typeof module[k] === 'function')) return undefined;
    const m = module as Required<EmscriptenModule>;
    const transfer = m._ts_init() >> 2;
    const tables = new WeakMap<Tree['language'], LanguageTables | null>();
    return {
      encodesInput: hooked,
      parseEncoded(parser, text) {
        if (!hooked) return parser.parse(text);
        const units = new Uint16Array(text.length);
        for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
        feed = units;
        try {
          return parser.parse(text);
        } finally {
          feed = undefined;
        }
      },
      openCursor(tree) {
        const address = (tree as unknown as { 0?: unknown })[0];
        const cursor = tree.walk();
        const handles = (cursor as unknown as { handles?: unknown }).handles;
        if (
          typeof address !== 'number' ||
          !Array.isArray(handles) ||
          handles.length !== 4 ||
          !m.HEAP32
        ) {
          cursor.delete();
          return undefined;
        }
        const h = handles as number[];
        for (let i = 0; i < 4; i++) m.HEAP32[transfer + i] = h[i];
        return new RawCursor(m, address, () => {
          // Hand the moved cursor back so that web-tree-sitter frees what it now holds.
          for (let i = 0; i < 4; i++) h[i] = m.HEAP32[transfer + i];
          cursor.delete();
        });
      },
      readTree(tree, sink) {
        if (!m.HEAPU8 || !m.HEAPU16 || !m.HEAPU32) return false;
        let t = tables.get(tree.language);
        if (t === undefined) {
          t = languageTables(m, tree.language) ?? null;
          tables.set(tree.language, t);
        }
        const address = (tree as unknown as { 0?: unknown })[0];
        if (!t || typeof address !== 'number' || m.HEAPU8[address] & 1) return false;
        // The root as the public API sees it, against the memory.
        const root = tree.rootNode;
        const heap = m.HEAPU32[address >> 2];
        const symbol = m.HEAPU16[(heap + HEAP.symbol) >> 1];
        const start = m.HEAPU32[(heap + HEAP.paddingBytes) >> 2] >> 1;
        if (symbol === ERROR_SYMBOL || root.typeId !== m.HEAPU16[(t.publicSymbolMap >> 1) + symbol])
          return false;
        if (
          root.startIndex !== start ||
          root.endIndex !== start + (m.HEAPU32[(heap + HEAP.sizeBytes) >> 2] >> 1)
        )
          return false;
        walkMemory(m, t, address, sink);
        return true;
      },
    };
  };
  return { options, failed, access };
}
