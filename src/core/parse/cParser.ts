// Tree-sitter C parser. The host hands in the two .wasm files as bytes: core
// reads no files, so the CLI, the extension host, workers and tests load them
// the way that suits them.
import { Language, Parser, type Tree } from 'web-tree-sitter';

export interface ParserWasm {
  /** web-tree-sitter.wasm (the runtime). */
  runtime: Uint8Array;
  /** tree-sitter-c.wasm (the grammar). */
  language: Uint8Array;
}

export class CParser {
  private constructor(private readonly parser: Parser) {}

  static async create(wasm: ParserWasm): Promise<CParser> {
    await initRuntime(wasm.runtime);
    const language = await Language.load(wasm.language);
    const parser = new Parser();
    parser.setLanguage(language);
    return new CParser(parser);
  }

  parse(text: string): Tree {
    const tree = this.parser.parse(text);
    if (!tree) throw new Error('tree-sitter returned no tree');
    return tree;
  }
}

let runtimeReady: Promise<void> | undefined;
function initRuntime(runtime: Uint8Array): Promise<void> {
  runtimeReady ??= Parser.init({ wasmBinary: runtime } as unknown as Parameters<
    typeof Parser.init
  >[0]);
  return runtimeReady;
}
