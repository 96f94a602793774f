// lifecycle-lens command line: the same core as the extension, fed from files.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_MAX_FILE_BYTES } from '../core/analysis/analyze';
import { analyzeSourcesParallel } from '../node/parallelAnalyze';
import {
  CatalogError,
  CatalogIndex,
  extendCatalog,
  parseCatalogFile,
} from '../core/catalog/catalog';
import { builtinCatalog } from '../core/catalog/builtinCatalog';
import { visibleFindings } from '../core/reports/findingKey';
import { TOOL_VERSION, jsonReport } from '../core/reports/jsonReport';
import { textReport } from '../core/reports/textReport';
import { collectSources, describe } from '../node/sourceFiles';
import { nodeParser } from '../node/wasmFiles';
import { describeThrown } from '../node/thrown';
import { defaultCacheDir } from '../node/cacheDir';
import { bundleBuild, factsCacheKey } from '../node/factsCache';
import { catalogKey } from '../node/index/indexBuild';
import { chooseJsTiering, chooseWasmTiering } from '../node/compilerTiering';
import { EXIT, UsageError, parseArgs, usage } from './args';
import { runB4Check, runCompare, runSeries } from './compareCommands';
import { runB4Agent, runB4SeriesCheck } from './b4Commands';
import { runDemo } from './demo';
import type * as McpModule from '../node/mcpServer';
import { runDraft } from './draftCommand';
import { runIndex } from './indexCommand';
import { runServer } from './server';
import { finishTreeSummaries, treeSummaries } from './treeChoice';
import { stderrIsTTY, stopOnWriteFailure, writeErr, writeOut } from './stdio';

/**
 * The MCP SDK and zod are most of the program's weight and only the `mcp`
 * command needs them: they ship as their own bundle (dist/mcpServer.js), so
 * that every other command starts without loading them.
 */
function loadMcp(): typeof McpModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(__dirname, 'mcpServer.js')) as typeof McpModule;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.version) {
    writeOut(`lifecycle-lens ${TOOL_VERSION}\n`);
    return EXIT.ok;
  }
  if (args.help || !args.command) {
    writeOut(usage());
    return args.help ? EXIT.ok : EXIT.usage;
  }
  let catalog = builtinCatalog;
  for (const file of args.catalogs) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read catalog ${file}: ${describe(e)}`);
    }
    catalog = extendCatalog(catalog, parseCatalogFile(text, file), file);
  }
  const index = new CatalogIndex(catalog);
  switch (args.command) {
    case 'analyze': {
      if (!args.paths.length) throw new UsageError('analyze needs at least one file or directory');
      const maxFileBytes = args.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
      const { sources, problems } = collectSources(args.paths, { maxFileBytes });
      for (const p of problems) writeErr(`lifecycle-lens: ${p.path}: ${p.message}\n`);
      if (!sources.length) {
        writeErr('lifecycle-lens: no C files to analyse\n');
        return EXIT.input;
      }
      const textBytes = sources.reduce((n, s) => n + s.text.length, 0);
      chooseWasmTiering(textBytes);
      // Needed only for files not in the facts cache and callees summarised on
      // demand: a run that needs neither does not compile the grammar.
      let parsing: ReturnType<typeof nodeParser> | undefined;
      const parser = () => (parsing ??= nodeParser([path.dirname(process.argv[1] ?? '.')]));
      let ready: Awaited<ReturnType<typeof nodeParser>> | undefined;
      // A live counter on a terminal; one line each way in logs. Asked only when
      // needed: asking builds the stderr stream (src/cli/stdio.ts).
      const many = sources.length > 1 && !args.quiet;
      const tty = many && stderrIsTTY();
      // Date, not performance: the global performance loads perf_hooks (a few ms of every run).
      const started = Date.now();
      const callees = treeSummaries(
        args,
        sources.map((s) => s.path),
        index,
        () => {
          if (!ready) throw new Error('the parser was used before it was ready');
          return ready;
        },
      );
      if (callees.onDemand) ready = await parser();
      chooseJsTiering(textBytes, callees.onDemand === true);
      if (many && !tty) writeErr(`lifecycle-lens: analysing ${sources.length} files\n`);
      const factsCache = args.noFactsCache
        ? undefined
        : {
            key: factsCacheKey(
              args.cacheDir ?? defaultCacheDir(),
              bundleBuild(
                ['cliMain.js', 'extractWorker.js', 'tree-sitter-c.wasm'].map((f) =>
                  path.join(__dirname, f),
                ),
              ),
              catalogKey(index),
            ),
            use: { read: 0, written: 0, refused: 0 },
          };
      const model = await analyzeSourcesParallel(sources, {
        factsCache,
        parser,
        catalog: index,
        maxFileBytes,
        workerScript: path.join(__dirname, 'extractWorker.js'),
        wasmDirs: [__dirname],
        summaries: callees.source,
        onProgress:
          many && tty
            ? (done, total, file) =>
                writeErr(
                  done < total
                    ? `\r[${done + 1}/${total}] ${file.slice(-60).padEnd(60)}`
                    : '\r' + ' '.repeat(72) + '\r',
                )
            : undefined,
      });
      if (many && !tty)
        writeErr(
          `lifecycle-lens: analysed ${sources.length} files in ${Date.now() - started} ms\n`,
        );
      finishTreeSummaries(callees);
      if (factsCache && (args.verbose || factsCache.use.refused)) {
        const { read, written, refused } = factsCache.use;
        writeErr(
          `lifecycle-lens: facts of ${read} of ${sources.length} files read back from ${factsCache.key.dir}, ${written} kept` +
            (refused ? `; ${refused} damaged or another user's, extracted again` : '') +
            '\n',
        );
      }
      for (const f of model.files)
        if (f.skipped) writeErr(`lifecycle-lens: ${f.file}: skipped: ${f.skipped}\n`);
      const { shown, hiddenGuesses } = visibleFindings(model.findings, args.allFindings === true);
      const reported = { ...model, findings: shown };
      writeOut(
        args.json
          ? jsonReport(reported)
          : textReport(reported, { verbose: args.verbose, hiddenGuesses }),
      );
      if (args.json && hiddenGuesses && !args.quiet)
        writeErr(
          `lifecycle-lens: ${hiddenGuesses} finding(s) resting on a guess hidden; --all-findings shows them\n`,
        );
      const failing = args.failOn
        ? shown.filter((f) => args.failOn === 'warning' || f.severity === 'error')
        : [];
      if (failing.length) return EXIT.findings;
      return problems.length || model.files.some((f) => f.skipped) ? EXIT.input : EXIT.ok;
    }
    case 'compare':
      return runCompare(args, index);
    case 'series':
      return runSeries(args, index);
    case 'b4-check':
      return runB4Check(args, index);
    case 'b4-agent':
      return runB4Agent(args, index);
    case 'b4-series-check':
      return runB4SeriesCheck(args, index);
    case 'mcp':
      await loadMcp().serveMcp({ catalog: index, wasmDirs: [__dirname] });
      return EXIT.ok;
    case 'draft':
      return runDraft(args, index);
    case 'index':
      return runIndex(args, index);
    case 'demo':
      return runDemo(index, args);
    case 'server':
      return runServer(args, runCommand);
    default:
      throw new UsageError(`unknown command "${args.command}"`);
  }
}

stopOnWriteFailure();

/** Runs one command line to its exit code; errors become a one-line message. */
async function runCommand(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (e) {
    if (e instanceof UsageError || e instanceof CatalogError) {
      writeErr(`lifecycle-lens: ${e.message}\n`);
      return EXIT.usage;
    }
    writeErr(`lifecycle-lens: internal error: ${describeThrown(e)}\n`);
    if (process.env.LIFECYCLE_LENS_DEBUG) writeErr(`${(e as Error)?.stack ?? ''}\n`);
    return EXIT.internal;
  }
}

void runCommand(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
