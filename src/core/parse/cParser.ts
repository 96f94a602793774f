// Tree-sitter C parser. The host hands in the two .wasm files as bytes: core
// reads no files, so the CLI, the extension host, workers and tests load them
// the way that suits them.
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { wasmAccess, type WasmAccess } from './wasmAccess';

export interface ParserWasm {
  /** web-tree-sitter.wasm (the runtime). */
  runtime: Uint8Array;
  /** tree-sitter-c.wasm (the grammar). */
  language: Uint8Array;
}

export class CParser {
  private constructor(
    private readonly parser: Parser,
    /** Direct access to the runtime's memory and exports, when available. */
    readonly wasm: WasmAccess | undefined,
  ) {}

  static async create(wasm: ParserWasm): Promise<CParser> {
    const access = await initRuntime(wasm.runtime);
    const language = await Language.load(wasm.language);
    const parser = new Parser();
    parser.setLanguage(language);
    return new CParser(parser, access);
  }

  parse(text: string): Tree {
    // The text is encoded once and each chunk the lexer asks for is a memory
    // copy; web-tree-sitter's own string input re-encodes up to 10 KB per request.
    const tree = this.wasm ? this.wasm.parseEncoded(this.parser, text) : this.parser.parse(text);
    if (!tree) throw new Error('tree-sitter returned no tree');
    return tree;
  }
}

let runtimeReady: Promise<WasmAccess | undefined> | undefined;
function initRuntime(runtime: Uint8Array): Promise<WasmAccess | undefined> {
  if (!runtimeReady) {
    // Emscripten uses the options object as its module: the runtime's exports
    // and memory views are set on it, and `instantiateWasm` lets the input
    // callback be replaced by one that copies pre-encoded text.
    const { options, failed, access } = wasmAccess(runtime);
    runtimeReady = Promise.race([
      Parser.init(options as Parameters<typeof Parser.init>[0]),
      failed,
    ]).then(() => access());
  }
  return runtimeReady;
}
