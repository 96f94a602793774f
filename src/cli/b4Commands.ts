// b4 0.16's review hooks: the review agent (b4-agent) and the series check
// (b4-series-check). Both read the review branch b4 checked out or names.
import fs from 'node:fs';
import type { CatalogIndex } from '../core/catalog/catalog';
import {
  B4_PASS,
  b4Error,
  b4Results,
  b4SeriesResults,
  type B4CheckResult,
} from '../core/reports/b4Check';
import {
  DEFAULT_AGENT_IDENTITY,
  readReviewBranch,
  reviewBranch,
  trackedBranch,
  writeAgentReview,
} from '../node/reviewBranch';
import { RevisionError } from '../node/revisions';
import { nodeParser } from '../node/wasmFiles';
import { EXIT, UsageError, type CliArgs } from './args';
import { writeErr, writeOut } from './stdio';

/**
 * `b4-agent`: b4 runs it in the repository's top folder with the review
 * branch checked out and one argument (the prompt path), which a
 * deterministic reviewer ignores. Writes .git/b4-review/<HEAD sha>/.
 */
export async function runB4Agent(args: CliArgs, catalog: CatalogIndex): Promise<number> {
  const repo = args.repo ?? process.cwd();
  try {
    const branch = readReviewBranch(repo);
    const parser = await nodeParser([__dirname]);
    const review = await reviewBranch(branch, { parser, catalog });
    const out = writeAgentReview(review, args.from ?? DEFAULT_AGENT_IDENTITY);
    const changes = review.patches.reduce((n, p) => n + (p.result?.changes.length ?? 0), 0);
    if (!args.quiet)
      writeErr(
        `lifecycle-lens: ${changes} behaviour change${changes === 1 ? '' : 's'} in ` +
          `${branch.patches.length} patch${branch.patches.length === 1 ? '' : 'es'}; wrote ` +
          `${out.files.join(', ')} to ${out.dir}\n`,
      );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof RevisionError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * `b4-series-check`: b4 writes the cover letter to stdin and names a JSON
 * dump of the tracking data in B4_TRACKING_FILE; the review branch is
 * b4/review/<change-id>, or HEAD when that branch does not exist.
 */
export async function runB4SeriesCheck(args: CliArgs, catalog: CatalogIndex): Promise<number> {
  if (!process.stdin.isTTY) fs.readFileSync(0);
  const repo = args.repo ?? process.cwd();
  try {
    const ref = trackedBranch(repo, process.env.B4_TRACKING_FILE) ?? 'HEAD';
    const branch = readReviewBranch(repo, ref);
    const parser = await nodeParser([__dirname]);
    const review = await reviewBranch(branch, { parser, catalog });
    writeOut(JSON.stringify(b4SeriesResults(review.patches), null, 2) + '\n');
  } catch (e) {
    writeOut(JSON.stringify(b4Error((e as Error).message), null, 2) + '\n');
  }
  return EXIT.ok;
}

/** `Subject:` of a mail without its [PATCH ...] prefix, unfolded. */
function patchSubject(mail: string): string | undefined {
  const head = mail.slice(0, mail.search(/\r?\n\r?\n/) >>> 0).replace(/\r?\n[ \t]+/g, ' ');
  const subject = /^Subject:\s*(.*)$/im.exec(head)?.[1];
  return subject?.replace(/^(\s*\[[^\]]*\])+\s*/, '').trim();
}

/**
 * The per-patch check when b4 runs it for a series under review
 * (B4_TRACKING_FILE names it and its review branch exists): the patch is the
 * branch commit with the same subject, compared with the commit before it.
 * Undefined when that does not hold (the caller applies the patch to HEAD).
 */
export async function checkOnReviewBranch(
  mail: string,
  repo: string,
  catalog: CatalogIndex,
): Promise<B4CheckResult[] | undefined> {
  const ref = trackedBranch(repo, process.env.B4_TRACKING_FILE);
  const subject = patchSubject(mail);
  if (!ref || !subject) return undefined;
  const branch = readReviewBranch(repo, ref);
  const index = branch.patches.findIndex((p) => p.subject === subject);
  if (index < 0) return undefined;
  const parser = await nodeParser([__dirname]);
  const review = await reviewBranch(branch, { parser, catalog, only: index });
  const patch = review.patches[index];
  return patch.result ? b4Results(patch.result, patch.diff) : [B4_PASS];
}
