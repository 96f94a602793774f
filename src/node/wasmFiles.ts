// Locates and reads the two .wasm files for the Node hosts (CLI, extension
// host, tests). Bundles ship them beside the .js; from source they come from
// node_modules.
import fs from 'node:fs';
import path from 'node:path';
import { CParser, type ParserWasm } from '../core/parse/cParser';

const NAMES = { runtime: 'web-tree-sitter.wasm', language: 'tree-sitter-c.wasm' } as const;

function candidates(name: string, extraDirs: string[]): string[] {
  const dirs = [
    ...extraDirs,
    typeof __dirname === 'string' ? __dirname : '',
    path.resolve(process.cwd(), 'dist'),
    path.resolve(process.cwd(), 'node_modules/web-tree-sitter'),
    path.resolve(process.cwd(), 'node_modules/tree-sitter-c'),
  ].filter(Boolean);
  return dirs.map((d) => path.join(d, name));
}

export function readParserWasm(extraDirs: string[] = []): ParserWasm {
  const read = (name: string) => {
    const found = candidates(name, extraDirs).find((p) => fs.existsSync(p));
    if (!found)
      throw new Error(`cannot find ${name} (looked beside the program and in node_modules)`);
    return fs.readFileSync(found);
  };
  return { runtime: read(NAMES.runtime), language: read(NAMES.language) };
}

let shared: Promise<CParser> | undefined;
export function nodeParser(extraDirs: string[] = []): Promise<CParser> {
  shared ??= CParser.create(readParserWasm(extraDirs));
  return shared;
}
