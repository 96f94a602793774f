// Where a command server (src/cli/server.ts) of one build of the command line
// listens, shared by the server and the launcher's client (src/cli/serverClient.ts).
// Kept tiny and free of hashing modules: the launcher loads it on every run.
//
// The socket lives in a directory only this user can enter: $XDG_RUNTIME_DIR/
// lifecycle-lens, else <tmpdir>/lifecycle-lens-<uid>. A directory owned by
// someone else, or open to others, is never used: a server there could be
// anyone's, and would be handed the caller's files and environment.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The commands a server runs; every other command always runs in its own process. */
export const SERVED_COMMANDS: ReadonlySet<string> = new Set(['analyze', 'compare', 'series']);

/** The directory of this user's server sockets (not created here). */
export function serverSocketDir(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0;
  return env.XDG_RUNTIME_DIR
    ? path.join(env.XDG_RUNTIME_DIR, 'lifecycle-lens')
    : path.join(os.tmpdir(), `lifecycle-lens-${uid}`);
}

/**
 * Why `dir` must not hold sockets (undefined when it may): it must be a real
 * directory, this user's, closed to group and others.
 */
export function unsafeSocketDir(dir: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    return `${dir} does not exist`;
  }
  if (!st.isDirectory()) return `${dir} is not a directory`;
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return `${dir} belongs to another user`;
  if (st.mode & 0o077)
    return `${dir} is open to other users (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/**
 * The socket of the server of `bundle` as it is now: another build (rebuilt,
 * another checkout, another Node) has another socket, so a client never talks
 * to a server running different code.
 */
export function serverSocketPath(bundle: string, dir: string = serverSocketDir()): string {
  const st = fs.statSync(bundle);
  const build = `${path.resolve(bundle)}\0${st.size}\0${Math.trunc(st.mtimeMs)}\0${process.version}\0${process.arch}`;
  return path.join(dir, `${fnv1a(build)}.sock`);
}

/** FNV-1a, 32 bits: a name for a build, not a check of anything. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
