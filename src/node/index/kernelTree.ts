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

/** `root` with one trailing '/', so paths are built by concatenation. */
export function treeBase(root: string): string {
  return root.endsWith('/') || root.endsWith(path.sep) ? root : `${root}/`;
}

/**
 * The parts of a kernel tree that are not the kernel: host tools, userspace
 * programs and their tests, example code, and boot code linked into images of
 * its own. Nothing in the kernel calls into them, and their definitions must
 * not stand for kernel functions of the same name (a selftest's own min_t(),
 * whose exit() would then lead into do_exit()).
 */
const NOT_KERNEL_CODE =
  /^(?:tools|scripts|usr|samples|Documentation|arch\/[^/]+\/boot|arch\/um\/os-Linux)$/;

/** Whether the tree directory `rel` (relative to the root) holds code that is not the kernel. */
export function isOutsideKernel(rel: string): boolean {
  return NOT_KERNEL_CODE.test(rel);
}

/**
 * Every .c and .h path under `root` relative to it, in walk order, skipping
 * dot-directories and the parts that are not the kernel (unless asked for in
 * `under`). One readdir per directory: file types come with the entries.
 */
export function treeSourcePaths(root: string, under: string[] = ['']): string[] {
  const out: string[] = [];
  const base = treeBase(root);
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
      if (e.isDirectory()) {
        if (!isOutsideKernel(r)) walk(r);
      } else if (e.isFile() && isCSource(name)) out.push(r);
    }
  };
  for (const u of under) walk(u.replace(/\/+$/, ''));
  return out;
}

/**
 * Size and mtime of `rels[from..to)` into `out` (two numbers per path, at 2*i;
 * -1 for a file gone since it was listed, which is not an exception).
 */
export function statPaths(
  base: string,
  rels: readonly string[],
  from: number,
  to: number,
  out: Float64Array,
): void {
  for (let i = from; i < to; i++) {
    const st = fs.statSync(base + rels[i], { throwIfNoEntry: false });
    out[2 * i] = st ? st.size : -1;
    out[2 * i + 1] = st ? Math.trunc(st.mtimeMs) : -1;
  }
}

/** The listed files whose stat succeeded, sorted by path. */
export function treeFilesOf(rels: readonly string[], stats: Float64Array): TreeFile[] {
  const out: TreeFile[] = [];
  for (let i = 0; i < rels.length; i++)
    if (stats[2 * i] >= 0)
      out.push({ rel: rels[i], size: stats[2 * i], mtimeMs: stats[2 * i + 1] });
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/**
 * Every .c and .h file under `root` (dot-directories skipped), sorted. One stat per
 * file is the cost of a re-index that finds nothing changed (60k on a whole tree);
 * `listTreeFilesParallel` (parallelList.ts) shares the stats with a second thread.
 */
export function listTreeFiles(root: string, under: string[] = ['']): TreeFile[] {
  const rels = treeSourcePaths(root, under);
  const stats = new Float64Array(2 * rels.length);
  statPaths(treeBase(root), rels, 0, rels.length, stats);
  return treeFilesOf(rels, stats);
}
