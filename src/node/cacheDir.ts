// Where the tool keeps what it can rebuild (tree indexes, the CLI's code cache).
// Its own module so that the CLI's launcher can find it without loading more.
import os from 'node:os';
import path from 'node:path';

/** $LIFECYCLE_LENS_CACHE, else $XDG_CACHE_HOME/lifecycle-lens, else ~/.cache/lifecycle-lens. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIFECYCLE_LENS_CACHE) return env.LIFECYCLE_LENS_CACHE;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'lifecycle-lens');
}
