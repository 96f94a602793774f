// Library entry for Node scripts (scripts/corpus.mjs, scripts/bench.mjs): the
// same core the CLI uses, bundled to dist/api.js (CommonJS) so a script can
// analyse in-process without spawning the CLI.
export {
  analyzeSources,
  extractSources,
  DEFAULT_MAX_FILE_BYTES,
  type AnalyzeOptions,
  type SourceFile,
} from '../core/analysis/analyze';
export { CatalogIndex } from '../core/catalog/catalog';
export { builtinCatalog } from '../core/catalog/builtinCatalog';
export type { CParser } from '../core/parse/cParser';
export { findingKey, visibleFindings } from '../core/reports/findingKey';
export { compareTriage, parseTriage, ratio, TRIAGE_HEADER } from '../core/reports/triage';
export { jsonReport } from '../core/reports/jsonReport';
export { textReport } from '../core/reports/textReport';
export type { ProgramModel } from '../core/model';
export { collectSources, type Collected } from './sourceFiles';
export { compareTexts, compareSeries } from './revisions';
export { nodeParser } from './wasmFiles';
export { buildIndex, catalogKey, mergeIndexes, shardOf } from './index/indexBuild';
export { summariesFor, helperFacts } from './index/summarySource';
export { IndexedSummaries, LazySummaries } from './index/treeSummaries';
export { findKernelTree, isKernelTree, listTreeFiles } from './index/kernelTree';
export { defaultCacheDir, treeIndexDir, readLines } from './index/indexStore';
export { readAllClosed } from './index/closedState';
export { recordFile } from './index/fileRecords';
export { closeSummaries, RecordTable } from '../core/analysis/calleeSummary';
