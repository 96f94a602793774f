// Comparison requests handled inside the analysis worker: thin adapters over
// the revision engine in src/node/revisions.ts (git reads, patch series).
import type { SourceFile } from '../core/analysis/analyze';
import type { CatalogIndex } from '../core/catalog/catalog';
import type { ComparisonResult, SeriesComparison } from '../core/compare/compareTypes';
import type { CParser } from '../core/parse/cParser';
import { compareSeries, compareTexts, readGitRevision } from '../node/revisions';
import type { WorkerRequest } from './workerProtocol';

export function compareTextsIn(
  before: { label: string; sources: SourceFile[] },
  after: { label: string; sources: SourceFile[] },
  parser: CParser,
  catalog: CatalogIndex,
): ComparisonResult {
  return compareTexts(before, after, { parser, catalog });
}

export async function compareGit(
  req: Extract<WorkerRequest, { type: 'compare-git' }>,
  parser: CParser,
  catalog: CatalogIndex,
): Promise<{ result: ComparisonResult; beforeSources: SourceFile[]; afterSources: SourceFile[] }> {
  const beforeSources = await readGitRevision(req.repoDir, req.beforeRev, req.paths);
  const afterSources =
    req.afterSources ?? (await readGitRevision(req.repoDir, req.afterRev ?? 'HEAD', req.paths));
  const result = compareTexts(
    { label: req.beforeRev, sources: beforeSources },
    { label: req.afterRev ?? 'working tree', sources: afterSources },
    { parser, catalog },
  );
  return { result, beforeSources, afterSources };
}

export function compareSeriesIn(
  req: Extract<WorkerRequest, { type: 'compare-series' }>,
  parser: CParser,
  catalog: CatalogIndex,
): Promise<SeriesComparison> {
  return compareSeries({
    repoDir: req.repoDir,
    baseDir: req.baseDir,
    baseRev: req.baseRev,
    mboxes: req.mboxes,
    parser,
    catalog,
  });
}
