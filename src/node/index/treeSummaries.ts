// Summaries of callees outside the analysed files, from the kernel tree they sit
// in: read from the index when there is a current one, else built lazily for
// just the callees asked for (a cheap name scan finds the defining files, which
// are summarised and closed the same way the index does it).
import fs from 'node:fs';
import path from 'node:path';
import {
  closeSummaries,
  pickRecord,
  RecordTable,
  type CalleeSummary,
  type FunctionRecord,
  type SummarySource,
} from '../../core/analysis/calleeSummary';
import type { CatalogIndex } from '../../core/catalog/catalog';
import type { CParser } from '../../core/parse/cParser';
import { recordFile } from './fileRecords';
import { catalogKey } from './indexBuild';
import { listTreeFiles } from './kernelTree';
import { bucketOf, readLines, staleReason, treeIndexDir, type IndexHeader } from './indexStore';

/** Paths of a tree as the analysis sees them: relative to the root, '/' separated. */
function relIn(root: string, file: string): string | undefined {
  const rel = path.relative(root, path.resolve(file));
  return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join('/');
}

/** A summary as shown to the user: its files under the tree's displayed path. */
function shown(s: CalleeSummary, display: string): CalleeSummary {
  const at = (f: string) => (display === '.' ? f : `${display}/${f}`);
  return { ...s, file: at(s.file), release: s.release.map((r) => ({ ...r, file: at(r.file) })) };
}

/** Summaries read from a current index (closed buckets). */
export class IndexedSummaries implements SummarySource {
  private readonly buckets = new Map<string, Map<string, CalleeSummary[]>>();
  private readonly display: string;
  readonly problems: string[] = [];

  private constructor(
    readonly root: string,
    private readonly dir: string,
    private readonly generation: string,
  ) {
    this.display = path.relative(process.cwd(), root) || '.';
  }

  /** The index of `root` if there is a current one; otherwise why not. */
  static open(
    root: string,
    cacheDir: string,
    catalog: CatalogIndex,
  ): IndexedSummaries | { missing: string } {
    const dir = treeIndexDir(cacheDir, root);
    const closed00 = path.join(dir, 'closed', '00.jsonl');
    let header: IndexHeader;
    try {
      const head = fs.readFileSync(closed00, 'utf8').split('\n', 1)[0];
      header = JSON.parse(head.slice(head.indexOf('\t') + 1)) as IndexHeader;
    } catch {
      return { missing: `no index of ${root} in ${cacheDir}` };
    }
    const stale = staleReason(header, catalogKey(catalog));
    if (stale) return { missing: `the index of ${root} is stale (${stale}): not used` };
    return new IndexedSummaries(root, dir, header.generation);
  }

  private bucket(name: string): Map<string, CalleeSummary[]> {
    const b = bucketOf(name);
    let m = this.buckets.get(b);
    if (m) return m;
    m = new Map();
    this.buckets.set(b, m);
    const r = readLines<CalleeSummary>(path.join(this.dir, 'closed', `${b}.jsonl`));
    this.problems.push(...r.problems);
    if (r.header?.generation !== this.generation) {
      this.problems.push(
        `index bucket ${b} belongs to another generation: not used (re-run index)`,
      );
      return m;
    }
    for (const s of r.values) {
      const list = m.get(s.name);
      if (list) list.push(s);
      else m.set(s.name, [s]);
    }
    return m;
  }

  summary(name: string, fromFile: string): CalleeSummary | undefined {
    const rel = relIn(this.root, fromFile) ?? fromFile;
    const s = pickRecord(this.bucket(name).get(name), rel);
    return s && shown(s, this.display);
  }
}

/** Beyond this many files a lazy build stops and says to run the index. */
const LAZY_MAX_FILES = 600;

/** Summaries built on demand from the tree's sources. */
export class LazySummaries implements SummarySource {
  private readonly table = new RecordTable();
  private readonly extracted = new Set<string>();
  private readonly closed = new Map<FunctionRecord, CalleeSummary>();
  private defs?: Map<string, string[]>;
  private readonly display: string;
  readonly notes: string[] = [];
  filesSummarised = 0;

  constructor(
    readonly root: string,
    private readonly parser: CParser,
    private readonly catalog: CatalogIndex,
    /** Files being analysed: never summarised here (their bodies are in the program). */
    private readonly analysed: string[],
  ) {
    this.display = path.relative(process.cwd(), root) || '.';
  }

  /** Function name -> files that look like they define it (one regex pass). */
  private definitions(): Map<string, string[]> {
    if (this.defs) return this.defs;
    const defs = new Map<string, string[]>();
    const skip = new Set(this.analysed.map((f) => relIn(this.root, f)));
    // A definition starts at column 0 with its type or name and is not a declaration.
    const head = /^(?!static_assert|typedef|extern|#|\/\/|\/\*|\s)[^;=(]*?\b([A-Za-z_]\w*)\s*\(/gm;
    for (const f of listTreeFiles(this.root)) {
      if (skip.has(f.rel) || f.size > 2 * 1024 * 1024) continue;
      let text: string;
      try {
        text = fs.readFileSync(path.join(this.root, f.rel), 'utf8');
      } catch {
        continue;
      }
      for (const m of text.matchAll(head)) {
        const end = text.indexOf('\n', m.index);
        const line = text.slice(m.index, end < 0 ? undefined : end).trimEnd();
        if (line.endsWith(';')) continue;
        const list = defs.get(m[1]);
        if (!list) defs.set(m[1], [f.rel]);
        else if (list[list.length - 1] !== f.rel) list.push(f.rel);
      }
    }
    this.defs = defs;
    return defs;
  }

  private readonly lookup = (name: string, fromFile: string): FunctionRecord | undefined => {
    if (!this.table.has(name))
      for (const rel of this.definitions().get(name) ?? []) {
        if (this.extracted.has(rel)) continue;
        if (this.extracted.size >= LAZY_MAX_FILES) {
          if (!this.notes.length)
            this.notes.push(
              `summaries built from ${LAZY_MAX_FILES} files of ${this.root} on demand stopped there: run \`lifecycle-lens index ${this.root}\` for the whole tree`,
            );
          break;
        }
        this.extracted.add(rel);
        let text: string;
        try {
          text = fs.readFileSync(path.join(this.root, rel), 'utf8');
        } catch {
          continue;
        }
        this.filesSummarised++;
        this.table.add(recordFile(rel, text, this.parser, this.catalog).records);
      }
    return this.table.lookup(name, fromFile);
  };

  summary(name: string, fromFile: string): CalleeSummary | undefined {
    const rel = relIn(this.root, fromFile) ?? fromFile;
    const r = this.lookup(name, rel);
    if (!r) return undefined;
    let s = this.closed.get(r);
    if (!s) {
      for (const [k, v] of closeSummaries([{ name, fromFile: rel }], this.lookup))
        if (!this.closed.has(k)) this.closed.set(k, v);
      s = this.closed.get(r);
    }
    return s && shown(s, this.display);
  }
}
