// Which files form one program. A folder holding two kernel trees side by side (two
// versions, or our fixtures next to a kernel) must not mix same-named functions: each
// kernel tree is its own program, found from the indexed paths alone.

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
