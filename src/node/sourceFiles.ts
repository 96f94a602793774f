// Collects C sources from files and directories for the Node hosts, turning
// every unreadable path into a message instead of an exception.
import fs from 'node:fs';
import path from 'node:path';
import type { SourceFile } from '../core/analysis/analyze';

export interface Collected {
  sources: SourceFile[];
  problems: { path: string; message: string }[];
}

const C_FILE = /\.[ch]$/;

export function collectSources(inputs: string[], options: { maxFileBytes: number }): Collected {
  const out: Collected = { sources: [], problems: [] };
  const visit = (p: string, explicit: boolean) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      out.problems.push({ path: p, message: describe(e) });
      return;
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = fs.readdirSync(p).sort();
      } catch (e) {
        out.problems.push({ path: p, message: describe(e) });
        return;
      }
      for (const n of names) visit(path.join(p, n), false);
      return;
    }
    if (!st.isFile() || (!explicit && !C_FILE.test(p))) return;
    if (st.size > options.maxFileBytes) {
      out.problems.push({
        path: p,
        message: `skipped: ${(st.size / 1048576).toFixed(1)} MiB is over the ${(options.maxFileBytes / 1048576).toFixed(0)} MiB limit (--max-file-size)`,
      });
      return;
    }
    try {
      out.sources.push({ path: p, text: fs.readFileSync(p, 'utf8') });
    } catch (e) {
      out.problems.push({ path: p, message: describe(e) });
    }
  };
  for (const i of inputs) visit(i, true);
  return out;
}

export function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return err?.message ?? String(e);
  }
}
