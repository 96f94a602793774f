// compare, series and b4-check: the CLI side of revision comparison.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SourceFile } from '../core/analysis/analyze';
import type { CatalogIndex } from '../core/catalog/catalog';
import { SEVERITY_ORDER } from '../core/compare/compare';
import type {
  BehaviourChange,
  ComparisonResult,
  SeriesComparison,
} from '../core/compare/compareTypes';
import { b4Error, b4Results } from '../core/reports/b4Check';
import { patchDiff } from '../core/reports/b4Review';
import { comparisonMarkdown, comparisonText } from '../core/reports/compareText';
import { comparisonDocument } from '../core/reports/compareJson';
import { comparisonSarif } from '../core/reports/sarif';
import { reviewSummary } from '../core/reports/reviewSummary';
import { collectSources } from '../node/sourceFiles';
import { compareSeries, compareTexts, readGitRevision, RevisionError } from '../node/revisions';
import { compareRebasedSeries } from '../node/seriesBases';
import type { RebasedSeries } from '../core/compare/rebasedSeries';
import { rebasedSeriesDocument, rebasedSeriesText } from '../core/reports/rebasedSeriesText';
import { gitText } from '../node/git';
import { readReplies } from '../core/compare/raisedChanges';
import { parseMail, type MailMessage } from '../core/mail/rfc2822';
import { chooseJsTiering, chooseWasmTiering } from '../node/compilerTiering';
import { nodeParser } from '../node/wasmFiles';
import { EXIT, UsageError, type CliArgs } from './args';
import { checkOnReviewBranch } from './b4Commands';
import { finishTreeSummaries, treeSummaries } from './treeChoice';
import { writeErr, writeOut } from './stdio';

const FORMATS = ['text', 'markdown', 'json', 'sarif', 'review'] as const;
type Format = (typeof FORMATS)[number];

function format(args: CliArgs): Format {
  const f = (args.format ?? 'text') as Format;
  if (!FORMATS.includes(f)) throw new UsageError(`--format takes one of ${FORMATS.join(', ')}`);
  return f;
}

/** Writes the report whole: to a temporary file first, then renamed into place. */
export function emit(args: CliArgs, text: string): void {
  if (!args.output) {
    writeOut(text);
    return;
  }
  const dir = path.dirname(path.resolve(args.output));
  if (!fs.existsSync(dir))
    throw new UsageError(`cannot write ${args.output}: directory ${dir} does not exist`);
  const tmp = path.join(dir, `.${path.basename(args.output)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, args.output);
}

function render(result: ComparisonResult, args: CliArgs): string {
  switch (format(args)) {
    case 'markdown':
      return comparisonMarkdown(result);
    case 'json':
      return JSON.stringify(comparisonDocument(result), null, 2) + '\n';
    case 'sarif':
      return comparisonSarif(result);
    case 'review':
      return reviewSummary(result);
    default:
      return comparisonText(result, { explain: args.explain });
  }
}

function readSide(p: string, maxFileBytes: number | undefined): SourceFile[] {
  if (!fs.existsSync(p)) throw new UsageError(`${p}: no such file or directory`);
  const { sources, problems } = collectSources([p], { maxFileBytes: maxFileBytes ?? 8 * 1048576 });
  for (const pr of problems) writeErr(`lifecycle-lens: ${pr.path}: ${pr.message}\n`);
  if (!sources.length) throw new UsageError(`${p}: no C files to compare`);
  // Paths relative to the side's root, so both sides name the same file the same way.
  const root = fs.statSync(p).isDirectory() ? p : path.dirname(p);
  return sources.map((s) => ({
    path: path.relative(root, s.path) || path.basename(s.path),
    text: s.text,
  }));
}

/** --fail-on LEVEL: exit 1 only for changes at LEVEL or above (error > warning > note). */
export function exitFor(changes: BehaviourChange[], args: CliArgs): number {
  if (!args.failOn) return EXIT.ok;
  const limit = SEVERITY_ORDER[args.failOn];
  return changes.some((c) => SEVERITY_ORDER[c.severity] <= limit) ? EXIT.findings : EXIT.ok;
}

export async function runCompare(args: CliArgs, catalog: CatalogIndex): Promise<number> {
  let result: ComparisonResult;
  try {
    if (args.git) {
      const repo = args.repo ?? process.cwd();
      const paths = args.rest.length ? args.rest : args.paths.length ? args.paths : ['.'];
      const [a, b] = args.git;
      const before = await readGitRevision(repo, a, paths);
      const after = await readGitRevision(repo, b, paths);
      const parser = await parserFor(textBytes(before, after));
      chooseJsTiering(textBytes(before, after), false);
      result = compareTexts(
        { label: a, sources: before },
        { label: b, sources: after },
        { parser, catalog, experimentalRules: args.experimentalRules },
      );
    } else {
      if (args.paths.length !== 2)
        throw new UsageError('compare needs two files or directories, or --git <revA> <revB>');
      const [a, b] = args.paths;
      const sourcesBefore = readSide(a, args.maxFileBytes);
      const sourcesAfter = readSide(b, args.maxFileBytes);
      const parser = await parserFor(textBytes(sourcesBefore, sourcesAfter));
      // Each side's callees come from its own kernel tree.
      const before = treeSummaries(args, [a], catalog, parser);
      const after = treeSummaries(args, [b], catalog, parser);
      chooseJsTiering(
        textBytes(sourcesBefore, sourcesAfter),
        before.onDemand === true || after.onDemand === true,
      );
      result = compareTexts(
        { label: a, sources: sourcesBefore },
        { label: b, sources: sourcesAfter },
        {
          parser,
          catalog,
          maxFileBytes: args.maxFileBytes,
          summaries: before.source,
          summariesAfter: after.source,
          experimentalRules: args.experimentalRules,
        },
      );
      finishTreeSummaries(before, after);
    }
  } catch (e) {
    if (e instanceof RevisionError) throw new UsageError(e.message);
    throw e;
  }
  emit(args, render(result, args));
  return exitFor(result.changes, args);
}

/** Characters of source text in all of `sides`. */
function textBytes(...sides: SourceFile[][]): number {
  return sides.reduce((n, side) => n + side.reduce((m, s) => m + s.text.length, 0), 0);
}

/** The parser, its WebAssembly compiled for `bytes` of text to parse (compilerTiering.ts). */
function parserFor(bytes: number): ReturnType<typeof nodeParser> {
  chooseWasmTiering(bytes);
  return nodeParser([__dirname]);
}

/** Reply files (mbox, .eml, or pasted text with no headers) as messages. */
export function readReplyFiles(files: string[]): MailMessage[] {
  return files.flatMap((f) => {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(f);
    } catch (e) {
      throw new UsageError(
        `--replies ${f}: cannot read it (${(e as NodeJS.ErrnoException).code ?? e})`,
      );
    }
    return readReplies(() => parseMail(bytes), bytes.toString('utf8'));
  });
}

/** Applies the mboxes to the base the arguments name and compares the versions. */
export async function runSeriesComparison(
  args: CliArgs,
  catalog: CatalogIndex,
  mboxes: string[],
): Promise<SeriesComparison> {
  const parser = await nodeParser([__dirname]);
  // Callees outside the touched files: from the base tree (a directory base).
  const callees = args.base ? treeSummaries(args, [args.base], catalog, parser) : undefined;
  try {
    const compared = await compareSeries({
      parser,
      catalog,
      mboxes,
      ...(callees ? { summaries: callees.source } : {}),
      ...(args.base
        ? { baseDir: args.base }
        : { repoDir: args.repo ?? process.cwd(), baseRev: args.baseRev }),
      ...(args.rest.length ? { paths: args.rest } : {}),
      onProgress: args.quiet ? undefined : (m) => writeErr(`lifecycle-lens: ${m}\n`),
    });
    finishTreeSummaries(callees);
    return compared;
  } catch (e) {
    if (e instanceof RevisionError) throw new UsageError(e.message);
    throw e;
  }
}

export async function runSeries(args: CliArgs, catalog: CatalogIndex): Promise<number> {
  if (!args.paths.length) throw new UsageError('series needs at least one mbox file');
  const f = format(args);
  if (f === 'sarif' && args.paths.length > 1)
    throw new UsageError('SARIF output holds one comparison: give one mbox, or use --format json');
  const parser = await nodeParser([__dirname]);
  let series: RebasedSeries;
  try {
    series = await compareRebasedSeries({
      parser,
      catalog,
      mboxes: args.paths,
      bases: args.paths.map((_, i) => args.versionBases[i]),
      ...(args.base
        ? { defaultBase: { dir: args.base } }
        : args.baseRev
          ? { defaultBase: { rev: args.baseRev } }
          : {}),
      ...(args.repo ? { repoDir: args.repo } : {}),
      ...(args.rest.length ? { paths: args.rest } : {}),
      ...(args.replies ? { replies: readReplyFiles(args.replies) } : {}),
      onProgress: args.quiet ? undefined : (m) => writeErr(`lifecycle-lens: ${m}\n`),
    });
  } catch (e) {
    if (e instanceof RevisionError) throw new UsageError(e.message);
    throw e;
  }
  if (args.replies && !series.steps.length)
    writeErr(
      'lifecycle-lens: --replies: one version only; give vN-1 and vN to see what vN did with the replies\n',
    );
  if (!args.quiet)
    for (const k of series.skipped)
      writeErr(`lifecycle-lens: ${k.version}: skipped ${k.file} in "${k.patch}" (${k.reason})\n`);
  const comparisons = [series.first, ...series.steps.map((x) => x.total)];
  const text =
    f === 'json'
      ? JSON.stringify(rebasedSeriesDocument(series), null, 2) + '\n'
      : f === 'text'
        ? rebasedSeriesText(series, { explain: args.explain })
        : comparisons.map((c) => render(c, args)).join(f === 'sarif' ? '' : '\n');
  emit(args, text);
  // --fail-on counts what the series changed, not what came from the base.
  return exitFor([...series.first.changes, ...series.steps.flatMap((x) => x.inSeries)], args);
}

/** b4 review check: one RFC 2822 patch on stdin, applied to HEAD of the repository. */
export async function runB4Check(args: CliArgs, catalog: CatalogIndex): Promise<number> {
  const input = fs.readFileSync(0);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-lens-b4-'));
  try {
    const mbox = path.join(work, 'patch.mbox');
    const text = input.toString('utf8');
    fs.writeFileSync(
      mbox,
      text.startsWith('From ') ? text : `From lifecycle-lens Mon Sep 17 00:00:00 2001\n${text}`,
    );
    const repo = args.repo ?? process.cwd();
    let series: SeriesComparison;
    try {
      gitText(['rev-parse', '--show-toplevel'], repo);
      // Under `b4 review` the patch is already a commit of the review branch.
      const onBranch = await checkOnReviewBranch(text, repo, catalog);
      if (onBranch) {
        writeOut(JSON.stringify(onBranch, null, 2) + '\n');
        return EXIT.ok;
      }
      const parser = await nodeParser([__dirname]);
      series = await compareSeries({
        parser,
        catalog,
        mboxes: [mbox],
        repoDir: repo,
        baseRev: 'HEAD',
      });
    } catch (e) {
      writeOut(
        JSON.stringify(b4Error((e as Error).message.replaceAll(mbox, '<stdin>')), null, 2) + '\n',
      );
      return EXIT.ok;
    }
    writeOut(JSON.stringify(b4Results(series.comparisons[0], patchDiff(text)), null, 2) + '\n');
    return EXIT.ok;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
