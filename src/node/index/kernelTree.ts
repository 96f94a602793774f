// Finding the kernel tree a file sits in, and listing the tree's C sources.
import fs from 'node:fs';
import path from 'node:path';

/** A kernel tree root has include/linux and fs or kernel. */
export function isKernelTree(dir: string): boolean {
  const has = (p: string) => {
    try {
      return fs.statSync(path.join(dir, p)).isDirectory();
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

/** Every .c and .h file under `root` (dot-directories skipped), sorted. */
export function listTreeFiles(root: string, under: string[] = ['']): TreeFile[] {
  const out: TreeFile[] = [];
  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && /\.[ch]$/.test(e.name)) {
        try {
          const st = fs.statSync(path.join(root, r));
          out.push({ rel: r, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) });
        } catch {
          // vanished while listing
        }
      }
    }
  };
  for (const u of under) walk(u.replace(/\/+$/, ''));
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}
