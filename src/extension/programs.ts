// Which files form one program. A folder holding two kernel trees side by side (two
// versions, or our fixtures next to a kernel) must not mix same-named functions: each
// kernel tree is its own program, found from the indexed paths alone. Each program
// gets the callees outside its files from a kernel tree (programTree) and its index.
import path from 'node:path';

/** The directory part of a '/'- or '\\'-separated path ('' for a bare name). */
function dirOf(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i >= 0 ? p.slice(0, i) : '';
}

/**
 * Program root of each path: the nearest ancestor D that is a kernel tree root (some
 * indexed file is under D/include/linux/ and some under D/fs/ or D/kernel/), or '' (the
 * top folder's program) when no tree root holds the file.
 */
export function programRoots(paths: readonly string[]): Map<string, string> {
  const norm = (p: string) => p.replace(/\\/g, '/');
  const dirs = new Set<string>();
  for (const p of paths) {
    const d = dirOf(norm(p));
    // Every ancestor directory of every file.
    for (let a = d; a && !dirs.has(a); a = dirOf(a)) dirs.add(a);
  }
  const isRoot = (d: string) =>
    dirs.has(`${d}/include/linux`) &&
    ([...dirs].some((x) => x === `${d}/fs` || x.startsWith(`${d}/fs/`)) ||
      [...dirs].some((x) => x === `${d}/kernel` || x.startsWith(`${d}/kernel/`)));
  const rootCache = new Map<string, boolean>();
  const out = new Map<string, string>();
  for (const p of paths) {
    let root = '';
    for (let a = dirOf(norm(p)); a; a = dirOf(a)) {
      let r = rootCache.get(a);
      if (r === undefined) rootCache.set(a, (r = isRoot(a)));
      if (r) {
        root = a;
        break;
      }
    }
    out.set(p, root);
  }
  return out;
}

/** Paths grouped by program root, in the order given. */
export function groupByProgram(paths: readonly string[]): Map<string, string[]> {
  const roots = programRoots(paths);
  const groups = new Map<string, string[]>();
  for (const p of paths) {
    const r = roots.get(p) ?? '';
    const g = groups.get(r);
    if (g) g.push(p);
    else groups.set(r, [p]);
  }
  return groups;
}

/** The deepest directory holding every path ('' when they share none). */
function commonDir(paths: readonly string[]): string {
  let parts: string[] | undefined;
  for (const p of paths) {
    const d = dirOf(p).split('/');
    if (!parts) parts = d;
    else {
      let i = 0;
      while (i < parts.length && i < d.length && parts[i] === d[i]) i++;
      parts = parts.slice(0, i);
    }
  }
  return (parts ?? []).join('/');
}

/**
 * When the paths form more than one program: a short name for the program a file belongs
 * to (its tree root relative to the folder all paths share, e.g. "linux-6.12", or "top
 * folder" for files under no tree root), so views can tell two same-named objects apart.
 * Undefined for a single program (nothing to tell apart).
 */
export function programNamer(paths: readonly string[]): ((file: string) => string) | undefined {
  const norm = (p: string) => p.replace(/\\/g, '/');
  const roots = new Set(programRoots(paths).values());
  if (roots.size < 2) return undefined;
  const base = commonDir(paths.map(norm));
  // Longest first: a tree nested in another folder's tree is its own program.
  const named = [...roots].filter(Boolean).sort((a, b) => b.length - a.length);
  return (file) => {
    const f = norm(file);
    const r = named.find((x) => f.startsWith(`${x}/`));
    if (!r) return 'top folder';
    return base && r.startsWith(`${base}/`) ? r.slice(base.length + 1) : r;
  };
}

/**
 * The `lifecycleLens.kernelTree` setting as an absolute directory: empty means
 * "find the tree from the files" (undefined); a relative path resolves against
 * the first workspace folder, as catalog files do; `~/` is the home directory.
 */
export function resolveKernelTreeSetting(
  value: string | undefined,
  folders: readonly string[],
  home: string,
): string | undefined {
  const v = (value ?? '').trim();
  if (!v) return undefined;
  if (v === '~' || v.startsWith('~/')) return path.join(home, v.slice(1));
  if (path.isAbsolute(v)) return path.normalize(v);
  return folders.length ? path.resolve(folders[0], v) : undefined;
}

/**
 * The kernel tree serving a program's callees outside its files: the configured
 * one, else the first tree a file of the program sits in (walking up from it, as
 * the CLI does), else none.
 */
export function programTree(
  paths: readonly string[],
  configured: string | undefined,
  find: (file: string) => string | undefined,
): string | undefined {
  if (configured) return configured;
  for (const p of paths) {
    const t = find(p);
    if (t) return t;
  }
  return undefined;
}
