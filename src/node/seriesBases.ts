// Patch series as they are posted: each version on its own base (a folder, a
// git revision, or the `base-commit:` trailer b4 and `git format-patch --base`
// write, resolved in the repository). Hunks on files the base does not have
// are skipped and listed instead of failing the series. Between versions the
// base drift (base(vN-1) -> base(vN)) is compared on its own, and the
// changes it explains are reported apart from what the series itself changed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SourceFile } from '../core/analysis/analyze';
import type { ComparisonResult, SeriesVersion } from '../core/compare/compareTypes';
import { followUp } from '../core/compare/raisedChanges';
import type { MailMessage } from '../core/mail/rfc2822';
import {
  separateBaseDrift,
  type BaseSpec,
  type RebasedSeries,
  type SeriesStep,
  type SkippedFile,
  type VersionBase,
} from '../core/compare/rebasedSeries';
import { git, GitError, gitText } from './git';
import {
  attributeChanges,
  checkPaths,
  compareTexts,
  patchNotApplying,
  IDENTITY,
  readBlobs,
  repoRoot,
  RevisionError,
  sourcesOf,
  splitMbox,
  type CompareOptions,
  type SplitPatch,
} from './revisions';

export interface RebasedSeriesOptions extends CompareOptions {
  mboxes: string[];
  /** Per mbox (same index): its own base, if given. */
  bases?: (BaseSpec | undefined)[];
  /** The base of every mbox without its own. */
  defaultBase?: BaseSpec;
  /** Where revisions and base-commit trailers resolve (default: the working folder). */
  repoDir?: string;
  /** Directories (relative to the tree) to analyse; default: those the series touches. */
  paths?: string[];
  /** Replies to versions (our drafts, reviewers' mail): each step says what became of what they raised. */
  replies?: MailMessage[];
  onProgress?: (message: string) => void;
}

/** The commit a `base-commit:` trailer names, if the mbox has one. */
export function baseCommitTrailer(mbox: string): string | undefined {
  const text = fs.readFileSync(mbox, 'latin1');
  return /^base-commit: ([0-9a-f]{7,64})\s*$/m.exec(text)?.[1];
}

function resolveBase(
  spec: BaseSpec | undefined,
  mbox: string,
  repoDir: string,
): { base: VersionBase; key: string; dir?: string; root?: string } {
  if (spec && 'dir' in spec) {
    const dir = path.resolve(spec.dir);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
      throw new RevisionError(`base directory ${spec.dir} does not exist`);
    return { base: { from: 'folder', spec: spec.dir }, key: `dir:${dir}`, dir };
  }
  const trailer = spec ? undefined : baseCommitTrailer(mbox);
  const rev = spec?.rev ?? trailer;
  if (!rev)
    throw new RevisionError(
      `${mbox} has no base: give --base DIR or --base-rev REV after it (or before all mboxes), ` +
        'or post it with a base-commit: trailer (git format-patch --base, b4 send)',
    );
  const root = repoRoot(repoDir);
  let commit: string;
  try {
    commit = gitText(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], root).trim();
  } catch {
    throw new RevisionError(
      trailer
        ? `${mbox}: its base-commit: ${trailer} is not in ${root} (fetch it, or give --base-rev after the mbox)`
        : `unknown git revision "${rev}" in ${root}`,
    );
  }
  return {
    base: trailer
      ? { from: 'base-commit trailer', spec: trailer, commit }
      : { from: 'revision', spec: rev, commit },
    key: `rev:${commit}`,
    root,
  };
}

function readBase(
  r: { dir?: string; root?: string; base: VersionBase },
  wanted: string[],
): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (r.dir) {
    const walk = (rel: string) => {
      const abs = path.join(r.dir as string, rel);
      if (!fs.existsSync(abs)) return;
      const st = fs.statSync(abs);
      if (st.isDirectory()) for (const n of fs.readdirSync(abs)) walk(path.posix.join(rel, n));
      else if (st.isFile()) out.set(rel, fs.readFileSync(abs));
    };
    for (const w of wanted) walk(w);
    return out;
  }
  const root = r.root as string;
  const commit = r.base.commit as string;
  const names = gitText(['ls-tree', '-r', '--name-only', commit, '--', ...wanted], root)
    .split('\n')
    .filter(Boolean);
  for (const f of readBlobs(root, commit, names)) out.set(f.path, Buffer.from(f.text, 'utf8'));
  return out;
}

/** Per file of a patch: the path before, whether the patch creates it, its hunk count. */
function patchFiles(diff: string): { file: string; creates: boolean; hunks: number }[] {
  return diff
    .split(/^(?=diff --git )/m)
    .filter((s) => s.startsWith('diff --git '))
    .map((s) => {
      const m = /^diff --git a\/(\S+) b\/(\S+)/.exec(s);
      return {
        file: m?.[1] ?? '',
        creates: /^(new file mode|--- \/dev\/null)/m.test(s),
        hunks: (s.match(/^@@ /gm) ?? []).length,
      };
    });
}

/** The base in a private git tree, then each patch with `git am --3way`, minus files it lacks. */
function applyVersion(
  work: string,
  name: string,
  base: Map<string, Buffer>,
  baseLabel: string,
  patches: SplitPatch[],
  mbox: string,
  label: string,
): { tree: Map<string, Buffer>; skipped: SkippedFile[] } {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const run = (args: string[]) => git(args, { cwd: dir, env: IDENTITY });
  run(['init', '-q']);
  for (const [f, content] of base) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), content);
  }
  run(['add', '-A']);
  run(['commit', '-q', '--allow-empty', '-m', 'base']);
  const skipped: SkippedFile[] = [];
  for (const p of patches) {
    const have = new Set(gitText(['ls-files'], dir).split('\n').filter(Boolean));
    const missing = patchFiles(p.diff).filter((f) => !f.creates && !have.has(f.file));
    for (const f of missing)
      skipped.push({
        version: label,
        patch: p.info.subject,
        file: f.file,
        hunks: f.hunks,
        reason: `${baseLabel} does not have it`,
      });
    if (missing.length === patchFiles(p.diff).length) {
      // An empty commit keeps HEAD~k on patch n-k (attribution walks the prefixes).
      run(['commit', '-q', '--allow-empty', '-m', p.info.subject]);
      continue;
    }
    try {
      run([
        'am',
        '-q',
        '--3way',
        '--keep-cr',
        ...missing.map((f) => `--exclude=${f.file}`),
        p.mailFile,
      ]);
    } catch (e) {
      throw patchNotApplying(mbox, p, e as GitError, ` to ${baseLabel}`);
    }
  }
  const tree = new Map<string, Buffer>();
  for (const f of gitText(['ls-files'], dir).split('\n').filter(Boolean))
    tree.set(f, fs.readFileSync(path.join(dir, f)));
  return { tree, skipped };
}

/** Applies each version to its own base and compares them, base drift apart. */
export async function compareRebasedSeries(options: RebasedSeriesOptions): Promise<RebasedSeries> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-lens-series-'));
  try {
    const repoDir = options.repoDir ?? process.cwd();
    const versions = options.mboxes.map((m) => ({ mbox: m, ...splitMbox(m, work) }));
    for (const v of versions) checkPaths(v.mbox, v.patches);
    const touched = [...new Set(versions.flatMap((v) => v.patches.flatMap((p) => p.info.files)))];
    const dirs = options.paths ?? [...new Set(touched.map((f) => path.posix.dirname(f)))];
    const wanted = [...new Set([...dirs, ...touched])];
    const resolved = versions.map((v, i) =>
      resolveBase(options.bases?.[i] ?? options.defaultBase, v.mbox, repoDir),
    );
    const baseTrees = new Map<string, Map<string, Buffer>>();
    const baseOf = (i: number) => {
      const r = resolved[i];
      let t = baseTrees.get(r.key);
      if (!t) baseTrees.set(r.key, (t = readBase(r, wanted)));
      return t;
    };
    const describeBase = (b: VersionBase) =>
      b.from === 'folder'
        ? b.spec
        : `${b.spec}${b.commit && b.commit !== b.spec ? ` (${b.commit.slice(0, 12)})` : ''}`;

    const seriesVersions: SeriesVersion[] = [];
    const trees: { label: string; sources: SourceFile[] }[] = [];
    const skipped: SkippedFile[] = [];
    versions.forEach((v, i) => {
      const label =
        /\bv(\d+)\b/i.exec(v.patches[0].info.subject)?.[0]?.toLowerCase() ?? `version ${i + 1}`;
      options.onProgress?.(
        `applying ${label} (${v.patches.length} patches) from ${v.mbox} to ${describeBase(resolved[i].base)}`,
      );
      const applied = applyVersion(
        work,
        `tree-${i}`,
        baseOf(i),
        describeBase(resolved[i].base),
        v.patches,
        v.mbox,
        label,
      );
      skipped.push(...applied.skipped);
      trees.push({ label, sources: sourcesOf(applied.tree, dirs) });
      const sv: SeriesVersion = { label, patches: v.patches.map((p) => p.info) };
      if (v.cover) {
        sv.coverSubject = v.cover.subject;
        if (v.cover.messageId) sv.coverMessageId = v.cover.messageId;
      }
      seriesVersions.push(sv);
    });
    const baseSources = (i: number, label: string) => ({
      label,
      sources: sourcesOf(baseOf(i), dirs),
    });
    options.onProgress?.(`comparing base with ${trees[0].label}`);
    const first = compareTexts(baseSources(0, 'base'), trees[0], options);
    attributeChanges(first, path.join(work, 'tree-0'), seriesVersions[0], undefined, dirs, options);
    const steps: SeriesStep[] = [];
    // With replies: every version against its own base (what a reply to it saw, what the next keeps).
    const sinceBase: ComparisonResult[] = [first];
    for (let i = 1; options.replies?.length && i < trees.length; i++) {
      options.onProgress?.(`comparing the base of ${trees[i].label} with ${trees[i].label}`);
      sinceBase.push(compareTexts(baseSources(i, `base of ${trees[i].label}`), trees[i], options));
    }
    for (let i = 1; i < trees.length; i++) {
      const from = trees[i - 1].label;
      const to = trees[i].label;
      options.onProgress?.(`comparing ${from} with ${to}`);
      const total = compareTexts(trees[i - 1], trees[i], options);
      const baseDrift =
        resolved[i - 1].key === resolved[i].key
          ? undefined
          : compareTexts(
              baseSources(i - 1, `base of ${from}`),
              baseSources(i, `base of ${to}`),
              options,
            );
      attributeChanges(
        total,
        path.join(work, `tree-${i}`),
        seriesVersions[i],
        {
          treeDir: path.join(work, `tree-${i - 1}`),
          patches: seriesVersions[i - 1].patches.length,
        },
        dirs,
        options,
      );
      const split = separateBaseDrift(total, baseDrift);
      // What the base drift explains came with the new base, not with a patch.
      for (const c of split.fromBase) delete c.introducedBy;
      const replies = options.replies ?? [];
      // A reply naming no version answers the one before the last.
      const follow = replies.length
        ? followUp(
            replies,
            seriesVersions,
            sinceBase[i - 1],
            sinceBase[i],
            trees.at(-2)?.label ?? '',
          )
        : undefined;
      steps.push({
        from,
        to,
        total,
        ...(baseDrift ? { baseDrift } : {}),
        ...split,
        ...(follow ? { followUp: follow } : {}),
      });
    }
    return { versions: seriesVersions, bases: resolved.map((r) => r.base), first, steps, skipped };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
