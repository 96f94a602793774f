// V8 flags a process of ours sets for itself at run time, each with the flags
// that undo it. V8 accepts a code cache only under the flags it was made with,
// so the CLI's launcher (src/cli/launch.ts) undoes them all before it writes
// the cache at exit. The list lives on the global object: the launcher and the
// command's bundle are two bundles, each with its own copy of this module.
import v8 from 'node:v8';

const UNDO = Symbol.for('lifecycle-lens.v8-flag-undo');

function undoList(): string[] {
  const g = globalThis as { [UNDO]?: string[] };
  return (g[UNDO] ??= []);
}

/**
 * Sets `flags`; `undo` must restore every flag they change, implications
 * included (e.g. --liftoff-only also turns WebAssembly tier-up off).
 */
export function setV8Flags(flags: string, undo: string): void {
  v8.setFlagsFromString(flags);
  undoList().push(undo);
}

/** Restores the flags the process started with, latest change first. */
export function undoV8Flags(): void {
  const list = undoList();
  while (list.length) v8.setFlagsFromString(list.pop() as string);
}
