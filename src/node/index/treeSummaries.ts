// Summaries of callees outside the analysed files, from the kernel tree they sit
// in: read from the index when there is a current one, else built lazily for
// just the callees asked for (a cheap name scan finds the defining files, which
// are summarised and closed the same way the index does it).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  closeSummaries,
  pickRecord,
  RecordTable,
  SUMMARY_FORMAT_VERSION,
  ANALYSIS_VERSION,
  reachOf,
  treeContexts,
  type CalleeSummary,
  type ContextReach,
  type FunctionRecord,
  type ReleaseReach,
  type SummarySource,
} from '../../core/analysis/calleeSummary';
import type { CatalogIndex } from '../../core/catalog/catalog';
import type { CParser } from '../../core/parse/cParser';
import { ClosedBucket } from './closedBucket';
import { markClosedDamaged } from './closedState';
import { decodeClosed, type StoredClosed } from './closedRecords';
import { definedNames, SCAN_MAX_BYTES } from './definedNames';
import { recordFile } from './fileRecords';
import { catalogKey } from './indexBuild';
import { listTreeFiles, type TreeFile } from './kernelTree';
import {
  parseEntry,
  partOf,
  partPath,
  PARTS,
  readFilesIndex,
  readFilesIndexEntries,
  writeFilesIndex,
  type FileStat,
  type RawEntry,
} from './filesIndex';
import {
  manifestBucket,
  contentHash,
  readManifest,
  INDEX_FORMAT_VERSION,
  olderIndexDirs,
  readLines,
  recordsOfEntry,
  RELEASE_TABLE,
  staleReason,
  toFileEntry,
  treeIndexDir,
  type ClosedManifest,
  type FileEntry,
  type IndexHeader,
} from './indexStore';

/** Paths of a tree as the analysis sees them: relative to the root, '/' separated. */
function relIn(root: string, file: string): string | undefined {
  const rel = path.relative(root, path.resolve(file));
  return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join('/');
}

/** A summary as shown to the user: its files under the tree's displayed path. */
function shown(s: CalleeSummary, display: string): CalleeSummary {
  const at = (f: string) => (display === '.' ? f : `${display}/${f}`);
  const out = {
    ...s,
    file: at(s.file),
    release: s.release.map((r) => ({ ...r, file: at(r.file) })),
  };
  if (s.reachedIn) out.reachedIn = s.reachedIn.map((r) => ({ ...r, file: at(r.file) }));
  return out;
}

/** Summaries read from a current index (closed buckets). */
export class IndexedSummaries implements SummarySource {
  /** Buckets opened so far (undefined: missing or damaged, said in problems). */
  private readonly buckets = new Map<string, ClosedBucket | undefined>();
  /** Each name's summaries as decoded. */
  private readonly names = new Map<string, CalleeSummary[]>();
  private readonly display: string;
  readonly problems: string[] = [];

  private constructor(
    readonly root: string,
    private readonly dir: string,
    private readonly manifest: ClosedManifest,
  ) {
    this.display = path.relative(process.cwd(), root) || '.';
    // One join per index, not per bucket (a cold process pays for each path.join).
    this.closedDir = path.join(dir, 'closed');
  }

  private readonly closedDir: string;

  /** The index of `root` if there is a current one; otherwise why not. */
  static open(
    root: string,
    cacheDir: string,
    catalog: CatalogIndex,
  ): IndexedSummaries | { missing: string; outdated?: true } {
    const dir = treeIndexDir(cacheDir, root);
    const { header, manifest, problems } = readManifest(dir);
    if (header && !manifest)
      return {
        missing: `the index of ${root} is damaged (${problems[0] ?? 'no manifest'}): not used (run \`lifecycle-lens index ${root}\` to rebuild it)`,
        outdated: true,
      };
    if (!header || !manifest) {
      return olderIndexDirs(cacheDir, root).length
        ? {
            missing: `the index of ${root} is in an older format: not used (run \`lifecycle-lens index ${root}\` to rebuild it)`,
            outdated: true,
          }
        : { missing: `no index of ${root} in ${cacheDir}` };
    }
    const stale = staleReason(header, catalogKey(catalog));
    if (stale)
      return {
        missing: `the index of ${root} is stale (${stale}): not used (run \`lifecycle-lens index ${root}\` to refresh it)`,
        outdated: true,
      };
    return new IndexedSummaries(root, dir, manifest);
  }

  private releaseTable?: ReleaseReach[];

  /** The index's release reaches (read once, on the first summary that has some). */
  private releases(): ReleaseReach[] {
    if (this.releaseTable) return this.releaseTable;
    const file = path.join(this.dir, 'closed', RELEASE_TABLE);
    const r = readLines<ReleaseReach>(file);
    if (r.problems.length) markClosedDamaged(this.dir, r.problems[0]);
    if (r.header?.generation !== this.manifest.release || r.problems.length) {
      this.problems.push(
        ...(r.problems.length ? r.problems : [`${file} belongs to another generation`]).map(
          (p) => `${p}: summaries with release work not used (re-run index)`,
        ),
      );
      this.releaseTable = [];
    } else this.releaseTable = r.values;
    return this.releaseTable;
  }

  /** The closed summaries named `name`, from its bucket's directory and lines. */
  private named(name: string): CalleeSummary[] {
    let list = this.names.get(name);
    if (list) return list;
    list = [];
    this.names.set(name, list);
    const b = manifestBucket(this.manifest, name);
    let bucket = this.buckets.get(b);
    // What the bucket said before this name (a bucket opened now reads its lines at once).
    const said = bucket?.problems.length ?? 0;
    const damaged = bucket?.damage;
    if (!this.buckets.has(b)) {
      const opened = ClosedBucket.open(
        `${this.closedDir}${path.sep}${b}.jsonl`,
        this.manifest.buckets[parseInt(b, 16)],
        name,
      );
      if (opened instanceof ClosedBucket) bucket = opened;
      else {
        this.problems.push(`${opened.problem}: not used (re-run index)`);
        if (opened.damaged) markClosedDamaged(this.dir, opened.problem);
      }
      this.buckets.set(b, bucket);
    }
    if (!bucket) return list;
    for (const l of bucket.linesOf(name)) {
      const s = decodeClosed(JSON.parse(l.json) as StoredClosed, this.releases());
      if (s) list.push(s);
      else
        this.problems.push(
          `${bucket.file}: the summary of ${name} names a release the index lacks: not used`,
        );
    }
    for (const p of bucket.problems.slice(said))
      this.problems.push(`${p}: not used (re-run index)`);
    if (bucket.damage && !damaged) markClosedDamaged(this.dir, bucket.damage);
    return list;
  }

  /** Tree-relative paths of the analysed files (asked once per call site). */
  private readonly rels = new Map<string, string | undefined>();
  /** Each summary as shown, made once (a callee is asked for from many call sites). */
  private readonly shownOf = new Map<CalleeSummary, CalleeSummary>();

  private relOf(file: string): string | undefined {
    let rel = this.rels.get(file);
    if (rel === undefined && !this.rels.has(file))
      this.rels.set(file, (rel = relIn(this.root, file)));
    return rel;
  }

  summary(name: string, fromFile: string): CalleeSummary | undefined {
    const rel = this.relOf(fromFile) ?? fromFile;
    const s = pickRecord(this.named(name), rel);
    if (!s) return undefined;
    let out = this.shownOf.get(s);
    if (!out) this.shownOf.set(s, (out = shown(s, this.display)));
    return out;
  }

  reachedIn(name: string, file: string): ContextReach[] | undefined {
    const rel = this.relOf(file);
    const s = rel === undefined ? undefined : this.named(name).find((d) => d.file === rel);
    return s && shown({ ...s, reachedIn: reachOf(s) }, this.display).reachedIn;
  }
}

/** Beyond this many files a lazy build stops and says to run the index. */
const LAZY_MAX_FILES = 600;
/**
 * How far from the analysed files a lazy build follows callees into files it
 * has not summarised yet (1: the callees' own files). Deeper callees are used
 * when already summarised (from an earlier run, kept in the cache).
 */
const LAZY_DEPTH = 1;

/**
 * A test for whether a text has any of `names` as a whole identifier. One
 * alternation per text, not a search per name: over a whole kernel tree
 * (60,000 files, several names) about 14x less time than `indexOf` per name.
 */
function mentionsAny(names: string[]): RegExp {
  const escaped = names.map((n) => n.replace(/[^\w]/g, (c) => `\\${c}`));
  return new RegExp(`\\b(?:${escaped.join('|')})\\b`);
}

/** Summaries built on demand from the tree's sources. */
export class LazySummaries implements SummarySource {
  private readonly table = new RecordTable();
  private readonly extracted = new Set<string>();
  /** Steps from the analysed files to each summarised file. */
  private readonly depth = new Map<string, number>();
  /** What earlier runs kept in the cache (the tables of the tree's files parts), by file. */
  private readonly kept = new Map<string, FileStat>();
  /** Entries of the parts read so far (a part's body is inflated when one of its files is needed). */
  private readonly keptParts = new Map<number, (p: string) => RawEntry | undefined>();
  private readonly fresh: FileEntry[] = [];
  private readonly indexDir?: string;
  private readonly closed = new Map<FunctionRecord, CalleeSummary>();
  private defs?: Map<string, string[]>;
  private readonly display: string;
  readonly notes: string[] = [];
  filesSummarised = 0;

  constructor(
    readonly root: string,
    /** Called on the first file summarised. */
    private readonly parser: () => CParser,
    private readonly catalog: CatalogIndex,
    /** Files being analysed: never summarised here (their bodies are in the program). */
    private readonly analysed: string[],
    /** Where earlier on-demand records are kept and new ones added (the tree's files index). */
    cacheDir?: string,
  ) {
    this.display = path.relative(process.cwd(), root) || '.';
    if (cacheDir) {
      this.indexDir = treeIndexDir(cacheDir, root);
      const cat = catalogKey(catalog);
      for (let i = 0; i < PARTS; i++) {
        const r = readFilesIndex(partPath(this.indexDir, i), false);
        if (r.bodyOk && !staleReason(r.header, cat)) for (const e of r.table) this.kept.set(e.p, e);
      }
    }
  }

  /** The kept entry of `rel` (its part read on first use). */
  private keptEntry(rel: string): FileEntry | undefined {
    if (!this.indexDir) return undefined;
    const part = partOf(rel);
    let entry = this.keptParts.get(part);
    if (!entry) {
      entry = readFilesIndexEntries(partPath(this.indexDir, part)).entry;
      this.keptParts.set(part, entry);
    }
    const raw = entry(rel);
    return raw && parseEntry(raw);
  }

  /** Records of one file: kept from an earlier run when size and mtime match, else computed. */
  private recordsOf(rel: string): FunctionRecord[] {
    const abs = path.join(this.root, rel);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      return [];
    }
    const m = Math.trunc(st.mtimeMs);
    const k = this.kept.get(rel);
    if (k && k.s === st.size && k.m === m) {
      const e = this.keptEntry(rel);
      if (e) return recordsOfEntry(e);
    }
    let buf: Buffer;
    try {
      buf = fs.readFileSync(abs);
    } catch {
      return [];
    }
    this.filesSummarised++;
    const r = recordFile(rel, buf.toString('utf8'), this.parser(), this.catalog);
    this.fresh.push(toFileEntry(rel, contentHash(buf), st.size, m, r.records, r.skipped));
    return r.records;
  }

  /** Adds what this run summarised to the cache (only the parts it touched), for the next run. */
  persist(): void {
    if (!this.indexDir || !this.fresh.length) return;
    const byPart = new Map<number, FileEntry[]>();
    for (const e of this.fresh) {
      const list = byPart.get(partOf(e.p)) ?? [];
      list.push(e);
      byPart.set(partOf(e.p), list);
    }
    const cat = catalogKey(this.catalog);
    for (const [part, fresh] of byPart) {
      const file = partPath(this.indexDir, part);
      const old = readFilesIndex(file, true);
      const all = new Map<string, RawEntry | FileEntry>();
      if (!staleReason(old.header, cat)) for (const e of old.entries) all.set(e.p, e);
      for (const e of fresh) all.set(e.p, e);
      const header: IndexHeader = {
        format: INDEX_FORMAT_VERSION,
        summaryFormat: SUMMARY_FORMAT_VERSION,
        analysis: ANALYSIS_VERSION,
        catalog: cat,
        root: path.resolve(this.root),
        generation: crypto.randomBytes(8).toString('hex'),
        kind: 'files',
      };
      try {
        writeFilesIndex(file, header, [...all.values()]);
      } catch (e) {
        this.notes.push(`could not keep on-demand summaries in ${file}: ${(e as Error).message}`);
        break;
      }
    }
    this.fresh.length = 0;
  }

  private listed?: TreeFile[];

  /** The tree's C files, listed once per run (a whole kernel: 60,000 stats). */
  private treeFiles(): TreeFile[] {
    return (this.listed ??= listTreeFiles(this.root));
  }

  /** Function name -> files that look like they define it (kept in the cache between runs). */
  private definitions(): Map<string, string[]> {
    if (this.defs) return this.defs;
    const skip = new Set(
      this.analysed.map((f) => relIn(this.root, f)).filter((r): r is string => r !== undefined),
    );
    const { defs, problem } = definedNames(
      this.root,
      this.treeFiles(),
      skip,
      this.indexDir && path.join(this.indexDir, 'names.json.gz'),
    );
    if (problem) this.notes.push(problem);
    this.defs = defs;
    return defs;
  }

  /** Files that may define `name`: the caller's directory, then headers, then the rest. */
  private candidates(name: string, fromFile: string): string[] {
    const dir = path.posix.dirname(fromFile);
    const rank = (rel: string) =>
      path.posix.dirname(rel) === dir
        ? 0
        : rel.startsWith('include/')
          ? 1
          : rel.endsWith('.h')
            ? 2
            : 3;
    return [...(this.definitions().get(name) ?? [])].sort((a, b) => rank(a) - rank(b));
  }

  private readonly lookup = (name: string, fromFile: string): FunctionRecord | undefined => {
    const d = this.depth.get(fromFile) ?? 0;
    if (!this.table.has(name))
      for (const rel of this.candidates(name, fromFile)) {
        if (this.table.lookup(name, fromFile)) break;
        if (this.extracted.has(rel)) continue;
        if (d >= LAZY_DEPTH && !this.kept.has(rel)) continue;
        if (this.extracted.size >= LAZY_MAX_FILES) {
          if (!this.notes.length)
            this.notes.push(
              `summaries built from ${LAZY_MAX_FILES} files of ${this.root} on demand stopped there: run \`lifecycle-lens index ${this.root}\` for the whole tree`,
            );
          break;
        }
        this.extracted.add(rel);
        this.depth.set(rel, d + 1);
        this.table.add(this.recordsOf(rel));
      }
    return this.table.lookup(name, fromFile);
  };

  /** Tree contexts of the analysed files' functions (null: too many files, not computed). */
  private reach?: Map<string, ContextReach[]> | null;

  reachedIn(name: string, file: string): ContextReach[] | undefined {
    const rel = relIn(this.root, file);
    if (rel === undefined) return undefined;
    if (this.reach === undefined) this.reach = this.callerContexts();
    const r = this.reach?.get(`${rel}\0${name}`);
    return (
      r &&
      r.map((x) => ({ ...x, file: this.display === '.' ? x.file : `${this.display}/${x.file}` }))
    );
  }

  /**
   * What the index's tree-wide step computes, for just the analysed files: their
   * callers are found by name (files mentioning a non-static or header function
   * are summarised), callers of callers likewise up to the roots, then the same
   * treeContexts() runs over what was collected. Complete for the ancestors: a
   * caller or a registration names the function it reaches.
   */
  private callerContexts(): Map<string, ContextReach[]> | null {
    const table = new RecordTable();
    const all: FunctionRecord[] = [];
    const have = new Set<string>();
    let added = 0;
    const addFile = (rel: string) => {
      if (have.has(rel)) return;
      have.add(rel);
      added++;
      const recs = this.recordsOf(rel);
      table.add(recs);
      all.push(...recs);
    };
    const files = this.treeFiles().filter((f) => f.size <= SCAN_MAX_BYTES);
    // Analysed paths may be directories of the tree.
    const given = this.analysed
      .map((f) => relIn(this.root, f))
      .filter((r): r is string => r !== undefined);
    const mine = files
      .map((f) => f.rel)
      .filter((rel) => given.some((g) => g === '' || rel === g || rel.startsWith(`${g}/`)));
    mine.forEach(addFile);
    const start = all.filter((r) => !r.isStatic);
    const searched = new Set<string>();
    for (;;) {
      // Ancestors over the call edges known so far.
      const into = new Map<FunctionRecord, FunctionRecord[]>();
      for (const r of all)
        for (const e of r.edges ?? []) {
          if (e.kind !== 'call') continue;
          const t = table.lookup(e.to, r.file);
          if (!t) continue;
          const list = into.get(t);
          if (list) list.push(r);
          else into.set(t, [r]);
        }
      const seen = new Set<FunctionRecord>(start);
      const queue = [...start];
      for (let i = 0; i < queue.length; i++)
        for (const c of into.get(queue[i]) ?? [])
          if (!seen.has(c)) {
            seen.add(c);
            queue.push(c);
          }
      // Callers elsewhere: of non-static functions and of header functions.
      const names = [
        ...new Set(queue.filter((r) => !r.isStatic || r.file.endsWith('.h')).map((r) => r.name)),
      ].filter((n) => !searched.has(n));
      if (!names.length) break;
      names.forEach((n) => searched.add(n));
      const mentioned = mentionsAny(names);
      for (const f of files) {
        if (have.has(f.rel)) continue;
        let text: string;
        try {
          text = fs.readFileSync(path.join(this.root, f.rel), 'latin1');
        } catch {
          continue;
        }
        if (mentioned.test(text)) addFile(f.rel);
        if (added > LAZY_MAX_FILES) {
          this.notes.push(
            `the contexts reaching the analysed functions from callers across ${this.root} need more than ${LAZY_MAX_FILES} files: not computed on demand (run \`lifecycle-lens index ${this.root}\`)`,
          );
          return null;
        }
      }
    }
    // Every collected function's, not just the analysed files': a finding follows
    // its context back through the callers (findings.ts, treeReachSteps).
    const out = new Map<string, ContextReach[]>();
    for (const [r, reach] of treeContexts(all, table.lookup))
      out.set(`${r.file}\0${r.name}`, reach);
    return out;
  }

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
