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
  HEAPU16?: Uint16Array;
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
    };
  };
  return { options, failed, access };
}
