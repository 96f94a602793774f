// Messages between the extension host (AnalysisClient) and the analysis worker
// (analysisWorker.ts). Plain data only: everything crosses postMessage.
import type { SourceFile } from '../core/analysis/analyze';
import type { ComparisonResult, SeriesComparison } from '../core/compare/compareTypes';
import type { Finding, ParseReport, ProgramModel } from '../core/model';
import type { IndexProgress, IndexStats } from '../node/index/indexBuild';

export interface CatalogText {
  path: string;
  text: string;
}

export type WorkerRequest =
  | {
      type: 'configure';
      catalogs: CatalogText[];
      maxFileBytes: number;
      /** Post an edit's `partial` first when the last edit's whole-program analysis took at least this long (default 200 ms: twice the editor's budget; 0: always). */
      quickFirstAboveMs?: number;
      /** lifecycleLens.kernelTree as an absolute directory; absent: each program's tree is found from its files. */
      kernelTree?: string;
      /** Where tree indexes live (absent: the CLI's default cache). */
      cacheDir?: string;
    }
  | {
      /** Re-extract `upserts` (unchanged texts are skipped), forget `removed`, re-run the whole-program analysis. */
      type: 'analyze';
      id: number;
      upserts: SourceFile[];
      removed: string[];
      /**
       * An editor edit: post the whole program's `findings` before the model and,
       * when whole-program analyses are slow, a `partial` with the edited files' findings first.
       */
      quick?: boolean;
    }
  | { type: 'cancel'; id: number }
  | {
      /**
       * Extract these texts now (no reply): typing pauses before the debounce ends,
       * and the `analyze` that follows finds their facts ready.
       */
      type: 'extract';
      sources: SourceFile[];
    }
  | {
      type: 'compare-texts';
      id: number;
      before: { label: string; sources: SourceFile[] };
      after: { label: string; sources: SourceFile[] };
    }
  | {
      /** Reads `beforeRev` (and `afterRev` unless `afterSources` is given) with git, then compares. */
      type: 'compare-git';
      id: number;
      repoDir: string;
      paths: string[];
      beforeRev: string;
      afterRev?: string;
      afterSources?: SourceFile[];
    }
  | {
      type: 'compare-series';
      id: number;
      repoDir?: string;
      baseDir?: string;
      baseRev?: string;
      mboxes: string[];
    }
  | {
      /**
       * Another thread is building the index of `tree` (on-demand summaries of it
       * are not written meanwhile), or has finished (its programs look it up again).
       */
      type: 'tree-index';
      tree: string;
      state: 'building' | 'built';
    }
  | {
      /** Indexes the whole kernel tree `tree` (cancel: stops cleanly, keeping the files done). */
      type: 'build-index';
      id: number;
      tree: string;
    };

export interface AnalyzeTimings {
  /** Files whose facts were (re-)extracted for this request. */
  extracted: number;
  /** Files in the program. */
  files: number;
  extractMs: number;
  analyzeMs: number;
  /** Parser load time if it happened during this request. */
  parserLoadMs?: number;
  /** New messages about where callees come from (kernel tree index, on demand, none). */
  callees?: string[];
  /** Kernel trees serving this analysis without a current index (callees summarised on demand). */
  treesWithoutIndex?: string[];
}

export type WorkerResponse =
  | { type: 'configured'; problems: string[]; catalogSources: string[] }
  | {
      /**
       * Before an analysis that summarises a tree's callees on demand (no index):
       * sent first, since on a whole kernel tree that can take minutes.
       */
      type: 'trees-without-index';
      trees: string[];
    }
  | { type: 'progress'; id: number; done: number; total: number; file: string }
  | { type: 'analysis'; id: number; model: ProgramModel; timings: AnalyzeTimings }
  | {
      /**
       * Fast first answer after an edit: path findings (ref-leak, double-put,
       * unchecked-conditional-get) of the edited files, analysed with the files
       * defining their callees. The whole-program `analysis` follows.
       */
      type: 'partial';
      id: number;
      files: string[];
      findings: Finding[];
      reports: ParseReport[];
      ms: number;
    }
  | {
      /** The whole program's findings and file reports, ahead of the `analysis` with the model. */
      type: 'findings';
      id: number;
      findings: Finding[];
      reports: ParseReport[];
      ms: number;
    }
  | {
      type: 'comparison';
      id: number;
      result: ComparisonResult;
      /** Sources read by the worker (git revisions), so the host can show them. */
      beforeSources?: SourceFile[];
      afterSources?: SourceFile[];
      ms: number;
    }
  | { type: 'series'; id: number; result: SeriesComparison; ms: number }
  | ({ type: 'index-progress'; id: number } & IndexProgress)
  | { type: 'index-built'; id: number; tree: string; stats: IndexStats }
  | { type: 'cancelled'; id: number }
  | { type: 'error'; id: number; message: string; kind?: string };
