// Reads revisions for comparison: git revisions (without touching the user's
// work tree), and patch series applied to a base in a private temporary tree.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeSources, type SourceFile } from '../core/analysis/analyze';
import type { SummarySource } from '../core/analysis/calleeSummary';
import type { CatalogIndex } from '../core/catalog/catalog';
import { changeKey } from '../core/compare/changeKey';
import { compareModels } from '../core/compare/compare';
import type {
  ComparisonResult,
  PatchInfo,
  SeriesComparison,
  SeriesVersion,
} from '../core/compare/compareTypes';
import type { CParser } from '../core/parse/cParser';
import { git, GitError, gitText } from './git';

export class RevisionError extends Error {}

const C_FILE = /\.[ch]$/;

export interface CompareOptions {
  parser: CParser;
  catalog?: CatalogIndex;
  maxFileBytes?: number;
  /** Summaries of callees outside the analysed files (both sides, unless `summariesAfter`). */
  summaries?: SummarySource;
  summariesAfter?: SummarySource;
  /** Also run the experimental behaviour-change rules. */
  experimentalRules?: boolean;
}

export function compareTexts(
  before: { label: string; sources: SourceFile[] },
  after: { label: string; sources: SourceFile[] },
  options: CompareOptions,
): ComparisonResult {
  const analyse = (sources: SourceFile[], summaries: SummarySource | undefined) =>
    analyzeSources(sources, {
      parser: options.parser,
      catalog: options.catalog,
      maxFileBytes: options.maxFileBytes,
      ...(summaries ? { summaries } : {}),
    });
  return compareModels(
    { label: before.label, model: analyse(before.sources, options.summaries) },
    {
      label: after.label,
      model: analyse(after.sources, options.summariesAfter ?? options.summaries),
    },
    { experimental: options.experimentalRules },
  );
}

export function repoRoot(dir: string): string {
  try {
    return gitText(['rev-parse', '--show-toplevel'], dir).trim();
  } catch (e) {
    throw new RevisionError(`${dir} is not inside a git repository (${(e as Error).message})`);
  }
}

/** C sources under `paths` at revision `rev`, read from git's object store. */
export async function readGitRevision(
  repoDir: string,
  rev: string,
  paths: string[],
): Promise<SourceFile[]> {
  const root = repoRoot(repoDir);
  let commit: string;
  try {
    commit = gitText(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], root).trim();
  } catch {
    throw new RevisionError(`unknown git revision "${rev}" in ${root}`);
  }
  const rel = paths.map((p) => {
    const abs = path.resolve(repoDir, p);
    const r = path.relative(root, abs);
    if (r.startsWith('..') || path.isAbsolute(r))
      throw new RevisionError(`${p} is outside the repository ${root}`);
    return r || '.';
  });
  const names = gitText(['ls-tree', '-r', '--name-only', commit, '--', ...rel], root)
    .split('\n')
    .filter((n) => C_FILE.test(n));
  if (!names.length) throw new RevisionError(`no C files under ${rel.join(', ')} at ${rev}`);
  return readBlobs(root, commit, names);
}

export function readBlobs(root: string, commit: string, names: string[]): SourceFile[] {
  const out = git(['cat-file', '--batch'], {
    cwd: root,
    input: names.map((n) => `${commit}:${n}`).join('\n') + '\n',
  }).stdout;
  const files: SourceFile[] = [];
  let pos = 0;
  for (const name of names) {
    const nl = out.indexOf(10, pos);
    const header = out.subarray(pos, nl).toString('utf8');
    const m = /^\S+ blob (\d+)$/.exec(header);
    if (!m)
      throw new RevisionError(`git could not read ${name} at ${commit.slice(0, 12)}: ${header}`);
    const size = Number(m[1]);
    files.push({ path: name, text: out.subarray(nl + 1, nl + 1 + size).toString('utf8') });
    pos = nl + 1 + size + 1;
  }
  return files;
}

/** A patch mail split out of an mbox by git, with what git mailinfo read from it. */
export interface SplitPatch {
  info: PatchInfo;
  /** The patch text (diff) as git mailinfo extracted it; empty for a cover letter. */
  diff: string;
  /** Message file (headers + body) for `git am`. */
  mailFile: string;
}

export function splitMbox(
  mbox: string,
  workDir: string,
): { patches: SplitPatch[]; cover?: PatchInfo } {
  let data: Buffer;
  try {
    data = fs.readFileSync(mbox);
  } catch (e) {
    throw new RevisionError(
      `cannot read ${mbox}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  if (data.subarray(0, 8192).includes(0))
    throw new RevisionError(`${mbox} is a binary file, not an mbox`);
  const dir = fs.mkdtempSync(path.join(workDir, 'split-'));
  let count: number;
  try {
    count = Number(gitText(['mailsplit', '-b', `-o${dir}`, path.resolve(mbox)], workDir).trim());
  } catch (e) {
    throw new RevisionError(`${mbox}: not an mbox git can split (${(e as Error).message})`);
  }
  const patches: SplitPatch[] = [];
  let cover: PatchInfo | undefined;
  for (let i = 1; i <= count; i++) {
    const mailFile = path.join(dir, String(i).padStart(4, '0'));
    const raw = fs.readFileSync(mailFile);
    const msgFile = `${mailFile}.msg`;
    const patchFile = `${mailFile}.patch`;
    const infoText = git(['mailinfo', msgFile, patchFile], {
      cwd: workDir,
      input: raw,
    }).stdout.toString('utf8');
    const field = (k: string) => new RegExp(`^${k}: (.*)$`, 'm').exec(infoText)?.[1];
    const headers = raw
      .subarray(0, Math.max(0, raw.indexOf('\n\n')))
      .toString('utf8')
      .replace(/\n[ \t]+/g, ' ');
    const rawSubject = /^Subject: (.*)$/im.exec(headers)?.[1] ?? field('Subject') ?? '(no subject)';
    const info: PatchInfo = { subject: rawSubject.trim(), files: [] };
    const mid = /^Message-ID:\s*(<[^>]+>)/im.exec(headers)?.[1];
    if (mid) info.messageId = mid;
    const author = field('Author');
    if (author) info.author = `${author} <${field('Email') ?? ''}>`;
    const idx = /\[[^\]]*?(v\d+)?\s*(\d+\/\d+)\]/i.exec(rawSubject);
    if (idx) info.index = [idx[1], idx[2]].filter(Boolean).join(' ');
    const diff = fs.readFileSync(patchFile, 'utf8');
    info.files = [...diff.matchAll(/^diff --git a\/(\S+) b\/(\S+)$/gm)]
      .flatMap((m) => [m[1], m[2]])
      .filter((f, j, all) => all.indexOf(f) === j);
    if (!diff.trim()) {
      if (/\b0+\/\d+\]/.test(rawSubject)) cover = info;
      continue;
    }
    if (!info.files.length)
      throw new RevisionError(
        `${mbox}: "${info.subject}" has a diff git cannot read (truncated or corrupt patch?)`,
      );
    patches.push({ info, diff, mailFile });
  }
  if (!patches.length) throw new RevisionError(`${mbox} contains no patches`);
  return { patches, ...(cover ? { cover } : {}) };
}

export function checkPaths(mbox: string, patches: SplitPatch[]): void {
  for (const p of patches)
    for (const f of p.info.files) {
      const norm = path.posix.normalize(f);
      if (path.posix.isAbsolute(f) || norm.startsWith('..') || norm.split('/').includes('.git'))
        throw new RevisionError(
          `${mbox}: "${p.info.subject}" writes outside the tree (${f}); refusing to apply it`,
        );
    }
}

export interface SeriesOptions extends CompareOptions {
  /** Base as a directory ... */
  baseDir?: string;
  /** ... or as a git revision of `repoDir`. */
  repoDir?: string;
  baseRev?: string;
  mboxes: string[];
  /** Directories (relative to the tree) to analyse; default: those the series touches. */
  paths?: string[];
  onProgress?: (message: string) => void;
}

/** Base file contents for the given tree-relative paths (missing files are simply absent). */
function baseFiles(options: SeriesOptions, wanted: string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (options.baseDir) {
    const root = path.resolve(options.baseDir);
    if (!fs.existsSync(root))
      throw new RevisionError(`base directory ${options.baseDir} does not exist`);
    const walk = (rel: string) => {
      const abs = path.join(root, rel);
      if (!fs.existsSync(abs)) return;
      const st = fs.statSync(abs);
      if (st.isDirectory()) for (const n of fs.readdirSync(abs)) walk(path.posix.join(rel, n));
      else if (st.isFile()) out.set(rel, fs.readFileSync(abs));
    };
    for (const w of wanted) walk(w);
    return out;
  }
  if (!options.repoDir || !options.baseRev)
    throw new RevisionError('series comparison needs a base directory or a git revision');
  const root = repoRoot(options.repoDir);
  let commit: string;
  try {
    commit = gitText(
      ['rev-parse', '--verify', '--quiet', `${options.baseRev}^{commit}`],
      root,
    ).trim();
  } catch {
    throw new RevisionError(`unknown git revision "${options.baseRev}"`);
  }
  const names = gitText(['ls-tree', '-r', '--name-only', commit, '--', ...wanted], root)
    .split('\n')
    .filter(Boolean);
  for (const f of readBlobs(root, commit, names)) out.set(f.path, Buffer.from(f.text, 'utf8'));
  return out;
}

/** Applies each version of a series to the base and compares base -> v1 -> v2 ... */
export async function compareSeries(options: SeriesOptions): Promise<SeriesComparison> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-lens-series-'));
  try {
    const versions = options.mboxes.map((m) => ({ mbox: m, ...splitMbox(m, work) }));
    for (const v of versions) checkPaths(v.mbox, v.patches);
    const touched = [...new Set(versions.flatMap((v) => v.patches.flatMap((p) => p.info.files)))];
    const dirs = options.paths ?? [...new Set(touched.map((f) => path.posix.dirname(f)))];
    const base = baseFiles(options, [...new Set([...dirs, ...touched])]);
    const baseLabel = options.baseDir ?? options.baseRev ?? 'base';
    const trees: { label: string; sources: SourceFile[] }[] = [
      { label: 'base', sources: sourcesOf(base, dirs) },
    ];
    const seriesVersions: SeriesVersion[] = [];
    versions.forEach((v, i) => {
      const label =
        /\bv(\d+)\b/i.exec(v.patches[0].info.subject)?.[0]?.toLowerCase() ?? `version ${i + 1}`;
      options.onProgress?.(`applying ${label} (${v.patches.length} patches) from ${v.mbox}`);
      const tree = applySeries(work, `tree-${i}`, base, v.patches, v.mbox);
      trees.push({ label, sources: sourcesOf(tree, dirs) });
      const sv: SeriesVersion = { label, patches: v.patches.map((p) => p.info) };
      if (v.cover) {
        sv.coverSubject = v.cover.subject;
        if (v.cover.messageId) sv.coverMessageId = v.cover.messageId;
      }
      seriesVersions.push(sv);
    });
    const comparisons: ComparisonResult[] = [];
    for (let i = 0; i + 1 < trees.length; i++) {
      options.onProgress?.(`comparing ${trees[i].label} with ${trees[i + 1].label}`);
      const result = compareTexts(trees[i], trees[i + 1], options);
      attributeChanges(
        result,
        path.join(work, `tree-${i}`),
        seriesVersions[i],
        i > 0
          ? {
              treeDir: path.join(work, `tree-${i - 1}`),
              patches: seriesVersions[i - 1].patches.length,
            }
          : undefined,
        dirs,
        options,
      );
      comparisons.push(result);
    }
    return { base: baseLabel, versions: seriesVersions, comparisons };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The C sources in scope after the first `k` of the `n` patches applied in `treeDir`. */
function prefixTree(treeDir: string, n: number, k: number, dirs: string[]): SourceFile[] {
  const rev = `HEAD~${n - k}`;
  const files = gitText(['ls-tree', '-r', '--name-only', rev], treeDir)
    .split('\n')
    .filter((f) => C_FILE.test(f));
  return sourcesOf(
    new Map(files.map((f) => [f, git(['show', `${rev}:${f}`], { cwd: treeDir }).stdout] as const)),
    dirs,
  );
}

/**
 * Names the patch that introduced each change. Against the base: the first
 * patch whose own delta (tree before it -> after it) shows the change. Between
 * versions: the first n where the two versions' first n patches already differ
 * that way (patch n of vN is the one that departs from patch n of vN-1).
 */
export function attributeChanges(
  result: ComparisonResult,
  treeDir: string,
  version: SeriesVersion,
  previous: { treeDir: string; patches: number } | undefined,
  dirs: string[],
  options: CompareOptions,
): void {
  const n = version.patches.length;
  if (!result.changes.length || !n) return;
  const mine = (k: number) => ({ label: `${k}`, sources: prefixTree(treeDir, n, k, dirs) });
  const theirs = (k: number) =>
    previous
      ? {
          label: `${k}`,
          sources: prefixTree(
            previous.treeDir,
            previous.patches,
            Math.min(k, previous.patches),
            dirs,
          ),
        }
      : mine(k - 1);
  const pending = new Map(result.changes.map((c) => [changeKey(c), c]));
  for (let k = 1; k <= n && pending.size; k++)
    for (const c of compareTexts(theirs(k), mine(k), options).changes) {
      const hit = pending.get(changeKey(c));
      if (!hit) continue;
      hit.introducedBy = `${version.label} ${k}/${n}: ${version.patches[k - 1].subject}`;
      pending.delete(changeKey(c));
    }
  // A change that only shows once several patches combine: the first prefix showing it.
  const start = previous ? undefined : mine(0);
  for (let k = 1; start && k <= n && pending.size; k++)
    for (const c of compareTexts(start, mine(k), options).changes) {
      const hit = pending.get(changeKey(c));
      if (!hit) continue;
      hit.introducedBy = `${version.label} ${k}/${n}: ${version.patches[k - 1].subject}`;
      pending.delete(changeKey(c));
    }
}

export function sourcesOf(tree: Map<string, Buffer>, dirs: string[]): SourceFile[] {
  const inScope = (f: string) => dirs.some((d) => d === '.' || f === d || f.startsWith(`${d}/`));
  return [...tree.entries()]
    .filter(([f]) => C_FILE.test(f) && inScope(f))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([f, b]) => ({ path: f, text: b.toString('utf8') }));
}

export const IDENTITY = {
  GIT_AUTHOR_NAME: 'lifecycle-lens',
  GIT_AUTHOR_EMAIL: 'lifecycle-lens@localhost',
  GIT_COMMITTER_NAME: 'lifecycle-lens',
  GIT_COMMITTER_EMAIL: 'lifecycle-lens@localhost',
  GIT_AUTHOR_DATE: '2000-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2000-01-01T00:00:00Z',
};

/** A private git tree with the base committed, the patches applied with `git am -3`. */
function applySeries(
  work: string,
  name: string,
  base: Map<string, Buffer>,
  patches: SplitPatch[],
  mbox: string,
): Map<string, Buffer> {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const run = (args: string[], input?: Buffer) =>
    git(args, { cwd: dir, env: IDENTITY, ...(input ? { input } : {}) });
  run(['init', '-q']);
  for (const [f, content] of base) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), content);
  }
  run(['add', '-A']);
  run(['commit', '-q', '--allow-empty', '-m', 'base']);
  for (const p of patches) {
    try {
      run(['am', '-q', '--3way', '--keep-cr', p.mailFile]);
    } catch (e) {
      throw patchNotApplying(mbox, p, e as GitError, '');
    }
  }
  const out = new Map<string, Buffer>();
  const files = gitText(['ls-files'], dir).split('\n').filter(Boolean);
  for (const f of files) out.set(f, fs.readFileSync(path.join(dir, f)));
  return out;
}

export function findHunk(diff: string, file: string, line: number): string | undefined {
  const section = diff.split(/^diff --git /m).find((s) => s.startsWith(`a/${file} `));
  if (!section) return undefined;
  const hunks = section.split(/^(?=@@ )/m).slice(1);
  const hit = hunks.find((h) => Number(/^@@ -(\d+)/.exec(h)?.[1]) === line) ?? hunks[0];
  return hit?.split('\n').slice(0, 12).join('\n');
}

/** The error for a patch `git am` refused: subject, failing file:line, git's words, the hunk. */
export function patchNotApplying(
  mbox: string,
  p: { info: { subject: string }; diff: string },
  e: GitError,
  where: string,
): RevisionError {
  const msg = e.message;
  const failing = /patch failed: (\S+):(\d+)/.exec(msg);
  const hunk = failing ? findHunk(p.diff, failing[1], Number(failing[2])) : undefined;
  return new RevisionError(
    `${mbox}: patch "${p.info.subject}" does not apply${where}` +
      (failing ? ` (${failing[1]}:${failing[2]})` : '') +
      `\n${msg
        .split('\n')
        .filter((l) => /error|conflict|patch/i.test(l))
        .slice(0, 4)
        .join('\n')}` +
      (hunk ? `\nfailing hunk:\n${hunk}` : ''),
  );
}
