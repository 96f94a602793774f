// Finding the kernel tree a file sits in, and listing the tree's C sources.
import fs from 'node:fs';
import path from 'node:path';

/** A kernel tree root has include/linux and fs or kernel. */
export function isKernelTree(dir: string): boolean {
  // A missing entry is the common answer: no exception for it (each one costs a stack trace).
  const has = (p: string) => {
    try {
      return fs.statSync(path.join(dir, p), { throwIfNoEntry: false })?.isDirectory() === true;
    } catch {
      return false;
    }
  };
  return has('include/linux') && (has('fs') || has('kernel'));
}

/** The root of the kernel tree containing `file` (walking up), or undefined. */
export function findKernelTree(file: string): string | undefined {
  let dir = path.resolve(file);
  try {
    if (!fs.statSync(dir).isDirectory()) dir = path.dirname(dir);
  } catch {
    dir = path.dirname(dir);
  }
  for (;;) {
    if (isKernelTree(dir)) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export interface TreeFile {
  /** Path relative to the tree root, with '/' separators. */
  rel: string;
  size: number;
  mtimeMs: number;
}

/** Whether a file name ends in ".c" or ".h". */
function isCSource(name: string): boolean {
  const last = name.charCodeAt(name.length - 1);
  return name.charCodeAt(name.length - 2) === 0x2e && (last === 0x63 || last === 0x68);
}

/**
 * Every .c and .h file under `root` (dot-directories skipped), sorted. One stat per
 * file is the cost of a re-index that finds nothing changed (60k on a whole tree):
 * paths are built by concatenation and a vanished file is not an exception.
 */
export function listTreeFiles(root: string, under: string[] = ['']): TreeFile[] {
  const out: TreeFile[] = [];
  const base = root.endsWith('/') || root.endsWith(path.sep) ? root : `${root}/`;
  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(base + rel, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const name = e.name;
      if (name.charCodeAt(0) === 0x2e) continue;
      const r = rel ? `${rel}/${name}` : name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && isCSource(name)) {
        const st = fs.statSync(base + r, { throwIfNoEntry: false });
        if (st) out.push({ rel: r, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) });
      }
    }
  };
  for (const u of under) walk(u.replace(/\/+$/, ''));
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}
