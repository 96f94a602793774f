// V8 compiles WebAssembly twice: quickly (Liftoff) on first call, then the hot
// functions again, optimised (TurboFan), on background threads. tree-sitter's
// parser loop and the C grammar's lexer are large functions: optimising them
// costs about 0.3 s of CPU, competing with the parse on a 2-core machine, and
// only pays off after about OPTIMISE_WASM_FROM_BYTES of text (optimised code
// parses about 1.7x faster). Processes that analyse less keep the quick code.
// Process-wide: only for processes this program owns (the CLI), never the
// editor's extension host.
import v8 from 'node:v8';

export const OPTIMISE_WASM_FROM_BYTES = 2 * 1048576;

let chosen = false;

/** Call once, before the first parser is created, with the amount of text to parse. */
export function chooseWasmTiering(textBytes: number): void {
  if (chosen) return;
  chosen = true;
  if (textBytes < OPTIMISE_WASM_FROM_BYTES) v8.setFlagsFromString('--liftoff-only');
}
