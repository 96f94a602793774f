// V8 compiles code twice: quickly first (Sparkplug for JavaScript, Liftoff for
// WebAssembly), then the hot functions again, optimised (TurboFan), on
// background threads. In a short CLI run the second compile does not pay:
// - tree-sitter's parser loop and the C grammar's lexer are large WebAssembly
//   functions; optimising them costs about 0.3 s of CPU and pays off only
//   after about OPTIMISE_WASM_FROM_BYTES of text (optimised code parses about
//   1.7x faster);
// - optimising our own JavaScript competes with the two working threads for a
//   2-core machine's cores: `analyze` of 6.12 fs/nfsd (1.3 MB) took 3.1 s of
//   CPU with TurboFan and 1.9 s without, fs/nfs (2.4 MB) 5.0 s and 3.7 s; on
//   4.8 MB 9.5 s and 6.8 s, with the wall time still 4% shorter; on 7.2 MB
//   TurboFan is ahead (OPTIMISE_JS_FROM_BYTES lies between).
// Process-wide, so only for processes this program owns (the CLI), never the
// editor's extension host, and undoable (v8Flags.ts) for the CLI's code cache.
import { setV8Flags } from './v8Flags';

export const OPTIMISE_WASM_FROM_BYTES = 2 * 1048576;
export const OPTIMISE_JS_FROM_BYTES = 6 * 1048576;

// A long-lived process (the command server) runs many commands: optimising pays.
let longLived = false;

/** Keeps both compilers' second tier for the rest of the process. */
export function keepOptimising(): void {
  longLived = true;
}

/** Call once, before the first parser is created, with the amount of text to parse. */
export function chooseWasmTiering(textBytes: number): void {
  // --liftoff-only also turns WebAssembly tier-up off: the undo turns it back on.
  if (!longLived && textBytes < OPTIMISE_WASM_FROM_BYTES)
    setV8Flags('--liftoff-only', '--no-liftoff-only --wasm-tier-up --wasm-dynamic-tiering');
}

/**
 * Call once, when the work is known: `textBytes` to analyse, and whether more
 * (callees' files summarised on demand) may come, which keeps TurboFan.
 */
export function chooseJsTiering(textBytes: number, moreWork: boolean): void {
  if (!longLived && textBytes < OPTIMISE_JS_FROM_BYTES && !moreWork)
    setV8Flags('--no-opt', '--opt');
}
