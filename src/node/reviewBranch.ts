// A b4 review branch (b4 0.16 `b4 review`): the base, one commit per patch,
// then an empty tracking commit whose message holds the cover letter, a
// `--- b4-review-tracking ---` line and JSON. Read from git, each patch
// compared with the tree before it, and written back as b4's agent review
// files (.git/b4-review/<HEAD sha>/).
import fs from 'node:fs';
import path from 'node:path';
import type { CatalogIndex } from '../core/catalog/catalog';
import type { ComparisonResult } from '../core/compare/compareTypes';
import type { CParser } from '../core/parse/cParser';
import { b4PatchReview, b4SeriesReview, type PatchReview } from '../core/reports/b4Review';
import { GitError, gitText } from './git';
import { compareTexts, readGitRevision, RevisionError } from './revisions';

export const TRACKING_MARKER = '--- b4-review-tracking ---';
const C_FILE = /\.[ch]$/;

export interface ReviewBranch {
  top: string;
  /** The tracking commit (the branch tip). */
  head: string;
  cover: string;
  tracking: Record<string, unknown>;
  base: string;
  patches: { sha: string; subject: string; skipped?: string }[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Reads the review branch at `ref` (default HEAD) of the repository holding `dir`. */
export function readReviewBranch(dir: string, ref = 'HEAD'): ReviewBranch {
  const run = (args: string[]) => {
    try {
      return gitText(args, dir).trim();
    } catch (e) {
      throw new RevisionError(`git ${args[0]}: ${(e as GitError).message}`);
    }
  };
  const top = run(['rev-parse', '--show-toplevel']);
  const head = run(['rev-parse', '--verify', `${ref}^{commit}`]);
  const message = run(['log', '-1', '--format=%B', head]);
  const at = message.indexOf(TRACKING_MARKER);
  if (at < 0)
    throw new RevisionError(
      `${ref} is not a b4 review branch tip (its commit message has no "${TRACKING_MARKER}" line)`,
    );
  const json = message
    .slice(at + TRACKING_MARKER.length)
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');
  let tracking: Record<string, unknown>;
  try {
    tracking = JSON.parse(json) as Record<string, unknown>;
  } catch (e) {
    throw new RevisionError(`the tracking JSON of ${ref} is not valid: ${(e as Error).message}`);
  }
  const series = (tracking.series ?? {}) as Record<string, unknown>;
  const first = str(series['first-patch-commit']);
  const base = str(series['base-commit']);
  if (!first && !base)
    throw new RevisionError('the tracking JSON names neither first-patch-commit nor base-commit');
  // As b4 does: the patches run from first-patch-commit to the commit before the tip.
  const range = first ? `${first}~1..${head}~1` : `${base}..${head}~1`;
  const shas = run(['rev-list', '--reverse', range]).split('\n').filter(Boolean);
  const meta = Array.isArray(tracking.patches) ? (tracking.patches as unknown[]) : [];
  const patches = shas.map((sha, i) => {
    const subject = run(['log', '-1', '--format=%s', sha]);
    const reviews = ((meta[i] as Record<string, unknown> | undefined)?.reviews ?? {}) as Record<
      string,
      Record<string, unknown>
    >;
    const skipped = Object.values(reviews).some((r) => r?.['patch-state'] === 'skip');
    return { sha, subject, ...(skipped ? { skipped: 'the reviewer marked it skipped' } : {}) };
  });
  return {
    top,
    head,
    cover: message.slice(0, at).trim(),
    tracking,
    base: first ? run(['rev-parse', `${first}~1`]) : run(['rev-parse', base as string]),
    patches,
  };
}

export interface BranchReview {
  branch: ReviewBranch;
  /** Per patch: its diff and the comparison with the tree before it (none when skipped). */
  patches: { diff: string; result?: ComparisonResult }[];
  /** Base -> last patch. */
  whole?: ComparisonResult;
  /** Directories analysed: those holding the C files the series touches. */
  dirs: string[];
}

/** The review branch b4's B4_TRACKING_FILE describes (b4/review/<change-id>), if it exists. */
export function trackedBranch(dir: string, trackingFile: string | undefined): string | undefined {
  if (!trackingFile || !fs.existsSync(trackingFile)) return undefined;
  let id: unknown;
  try {
    const tracking = JSON.parse(fs.readFileSync(trackingFile, 'utf8')) as {
      series?: Record<string, unknown>;
    };
    id = tracking.series?.['change-id'];
  } catch {
    return undefined;
  }
  if (typeof id !== 'string' || !id) return undefined;
  try {
    gitText(['rev-parse', '--verify', '--quiet', `refs/heads/b4/review/${id}`], dir);
    return `b4/review/${id}`;
  } catch {
    return undefined;
  }
}

/** Compares each patch of the branch with the tree before it, over the directories it touches. */
export async function reviewBranch(
  branch: ReviewBranch,
  options: { parser: CParser; catalog?: CatalogIndex; only?: number },
): Promise<BranchReview> {
  const last = branch.patches.at(-1)?.sha ?? branch.base;
  const touched = gitText(['diff', '--name-only', branch.base, last], branch.top)
    .split('\n')
    .filter((f) => C_FILE.test(f));
  const dirs = [...new Set(touched.map((f) => path.posix.dirname(f)))].sort();
  const read = async (sha: string) => {
    if (!dirs.length) return [];
    try {
      return await readGitRevision(branch.top, sha, dirs);
    } catch (e) {
      // A directory the series creates has no C files before it.
      if (e instanceof RevisionError && /^no C files/.test(e.message)) return [];
      throw e;
    }
  };
  const label = (sha: string) => sha.slice(0, 12);
  let prev = { label: `base ${label(branch.base)}`, sources: await read(branch.base) };
  const base = prev;
  const patches: BranchReview['patches'] = [];
  for (const [i, p] of branch.patches.entries()) {
    const diff = gitText(['diff', `${p.sha}~1`, p.sha], branch.top);
    // `only`: one patch against the tree before it (a per-patch check).
    if (options.only !== undefined && i !== options.only) {
      if (i + 1 === options.only)
        prev = { label: `patch ${i + 1} ${label(p.sha)}`, sources: await read(p.sha) };
      patches.push({ diff });
      continue;
    }
    const next = { label: `patch ${i + 1} ${label(p.sha)}`, sources: await read(p.sha) };
    const skip = p.skipped || !dirs.length;
    patches.push(skip ? { diff } : { diff, result: compareTexts(prev, next, options) });
    prev = next;
  }
  const whole =
    options.only === undefined && dirs.length && branch.patches.length
      ? compareTexts(base, prev, options)
      : undefined;
  return { branch, patches, dirs, ...(whole ? { whole } : {}) };
}

export const DEFAULT_AGENT_IDENTITY = 'Lifecycle Lens <lifecycle-lens@invalid>';

/** Writes identity.txt, series.txt and NNNN.txt where b4 looks for them; returns the folder. */
export function writeAgentReview(
  review: BranchReview,
  identity = DEFAULT_AGENT_IDENTITY,
): { dir: string; files: string[]; reviews: (PatchReview | undefined)[] } {
  // b4 looks in <top>/.git/b4-review literally (not in `git rev-parse --git-dir`).
  const dotGit = path.join(review.branch.top, '.git');
  if (!fs.statSync(dotGit, { throwIfNoEntry: false })?.isDirectory())
    throw new RevisionError(
      `b4 reads agent reviews from ${dotGit}/b4-review, but ${dotGit} is not a folder (a git worktree?)`,
    );
  const dir = path.join(dotGit, 'b4-review', review.branch.head);
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string) => {
    const tmp = path.join(dir, `.${name}.tmp`);
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, path.join(dir, name));
    files.push(name);
  };
  write('identity.txt', `${identity}\n`);
  write(
    'series.txt',
    b4SeriesReview(
      review.branch.patches.map((p, i) => ({
        subject: p.subject,
        ...(review.patches[i].result ? { result: review.patches[i].result } : {}),
        ...(p.skipped ? { skipped: p.skipped } : {}),
      })),
      review.whole,
    ),
  );
  const reviews = review.patches.map((p, i) => {
    // b4 adds nothing for a file without a note or comments: patches without changes get none.
    if (!p.result?.changes.length) return undefined;
    const r = b4PatchReview(p.diff, p.result);
    write(`${String(i + 1).padStart(4, '0')}.txt`, r.text);
    return r;
  });
  return { dir, files, reviews };
}
