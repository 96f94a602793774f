// Runs a CommonJS bundle through a V8 code cache kept in the user's cache
// directory: what Node 22's module.enableCompileCache() does, for Node 20.
// Without it every CLI run parses and compiles the 0.8 MB bundle, and every
// function again the first time it is called; with it V8 reads the bytecode
// of every function the last run compiled (about 30 ms of a 230 ms `analyze`
// of one file).
//
// The cache file is `code-cache/<bundle>-<command>-<size>-<mtime>-<node>-<arch>.bin`:
// a magic line, the CRC-32 of the data, then V8's data. V8 checks its own
// version, the source length and the flags; the CRC catches a damaged file
// (release builds of V8 do not check the data's integrity themselves). A
// missing, damaged or rejected cache costs only the compile it would have
// saved: the run compiles from source and writes a new one at exit.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { readChecked, writeChecked, type CheckedRead } from './checkedFile';
import { undoV8Flags } from './v8Flags';

const MAGIC = Buffer.from('lifecycle-lens code cache 1\n');

/** What became of the cache in this run (reported under LIFECYCLE_LENS_DEBUG). */
export type CodeCacheUse = 'used' | 'none' | 'damaged' | 'foreign' | 'rejected' | 'disabled';

/** Where one kind of run of one build of a bundle keeps its cache. */
export interface CodeCacheFile {
  path: string;
  /** The bundle's build: its size and time, Node's version, the machine. */
  build: string;
}

/**
 * The cache file of `bundle` as it is now (another build, another file) for
 * one kind of run, `variant`: a cache holds the functions the run that wrote
 * it compiled, so `--version` must not write the one `analyze` reads.
 */
export function codeCacheFile(
  cacheDir: string,
  bundle: string,
  stat: fs.Stats,
  variant: string,
): CodeCacheFile {
  const name = path.basename(bundle, '.js');
  const build = `${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${process.arch}`;
  return { path: path.join(cacheDir, 'code-cache', `${name}-${variant}-${build}.bin`), build };
}

/** V8's data from a cache file, or why there is none (src/node/checkedFile.ts). */
export function readCodeCache(file: string): CheckedRead {
  return readChecked(file, MAGIC);
}

/**
 * Writes the cache whole or not at all, and drops the caches of the bundle's
 * other builds (every kind of run of this build stays).
 */
export function writeCodeCache(file: CodeCacheFile, data: Buffer): void {
  const dir = path.dirname(file.path);
  fs.mkdirSync(dir, { recursive: true });
  writeChecked(file.path, MAGIC, data);
  const bundle = `${path.basename(file.path).split('-')[0]}-`;
  for (const other of fs.readdirSync(dir))
    if (other.startsWith(bundle) && other.endsWith('.bin') && !other.endsWith(`-${file.build}.bin`))
      fs.rmSync(path.join(dir, other), { force: true });
}

/**
 * Runs `bundle` as the main program, through the code cache in `cacheDir`
 * (none when undefined) kept for runs of kind `variant`. Returns what became
 * of the cache; a new one is written when the process exits.
 */
export function runBundleWithCodeCache(
  bundle: string,
  cacheDir: string | undefined,
  variant: string,
): CodeCacheUse {
  const source = fs.readFileSync(bundle, 'utf8');
  // A shebang line is not JavaScript inside the module wrapper.
  const body = source.startsWith('#!') ? `//${source.slice(2)}` : source;
  const wrapper = `(function (exports, require, module, __filename, __dirname) { ${body}\n});`;
  const file = cacheDir ? codeCacheFile(cacheDir, bundle, fs.statSync(bundle), variant) : undefined;
  const cached = file ? readCodeCache(file.path) : 'none';
  const script = new vm.Script(wrapper, {
    filename: bundle,
    // import() inside the bundle resolves as in any CommonJS module.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    ...(Buffer.isBuffer(cached) ? { cachedData: cached } : {}),
  });
  const use: CodeCacheUse = !file
    ? 'disabled'
    : Buffer.isBuffer(cached)
      ? script.cachedDataRejected
        ? 'rejected'
        : 'used'
      : cached;
  if (file && use !== 'used')
    // At exit the cache holds every function this run compiled.
    process.once('exit', () => saveCodeCache(script, wrapper, bundle, file));
  const module = { exports: {}, filename: bundle, id: '.', loaded: false };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(
    module.exports,
    module.exports,
    createRequire(bundle),
    module,
    bundle,
    path.dirname(bundle),
  );
  return use;
}

function saveCodeCache(
  script: vm.Script,
  wrapper: string,
  bundle: string,
  file: CodeCacheFile,
): void {
  try {
    // V8 takes the cache only under the flags it was made with: the start-up ones.
    undoV8Flags();
    const data = script.createCachedData();
    // Written only if V8 would take it (a flag this program does not know of would make it useless).
    const check = new vm.Script(wrapper, {
      filename: bundle,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
      cachedData: data,
    });
    if (!check.cachedDataRejected) writeCodeCache(file, data);
  } catch {
    // A cache is an optimisation: an unwritable cache directory costs only speed.
  }
}
