// `lifecycle-lens mcp`: a Model Context Protocol server over stdio (the
// official TypeScript SDK). It gives an LLM reviewer the facts it is weak at:
// who holds references, where the final close runs and in which context,
// what changed between revisions, each with its evidence chains. Every tool
// answers with structured JSON and the same facts as readable text; bad input
// is a tool error with a clear message, never a crash.
import fs from 'node:fs';
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { analyzeSources, DEFAULT_MAX_FILE_BYTES, type SourceFile } from '../core/analysis/analyze';
import type { CatalogIndex } from '../core/catalog/catalog';
import type { ComparisonResult } from '../core/compare/compareTypes';
import { comparisonDocument } from '../core/reports/compareJson';
import { comparisonText, seriesText } from '../core/reports/compareText';
import { explainFunction, explanationText } from '../core/reports/explainFunction';
import { TOOL_VERSION } from '../core/reports/jsonReport';
import { textReport } from '../core/reports/textReport';
import { compareSeries, compareTexts, readGitRevision, RevisionError } from './revisions';
import { collectSources } from './sourceFiles';
import { nodeParser } from './wasmFiles';
import { describeThrown } from './thrown';

export interface McpOptions {
  catalog: CatalogIndex;
  /** Folders holding the .wasm files. */
  wasmDirs: string[];
  /** Relative paths resolve here (default: the process's working folder). */
  cwd?: string;
}

/** A comparison without the two models (large; the changes carry their evidence). */
function comparisonFacts(r: ComparisonResult): Record<string, unknown> {
  const { comparison } = comparisonDocument(r);
  const doc = comparisonDocument(r);
  return {
    tool: doc.tool,
    toolVersion: doc.toolVersion,
    schemaVersion: doc.schemaVersion,
    before: comparison.before.label,
    after: comparison.after.label,
    matches: comparison.matches,
    changes: comparison.changes,
  };
}

/** A user-facing error: becomes a tool error with this message. */
class ToolInputError extends Error {}

function ok(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

function failure(e: unknown): CallToolResult {
  const message =
    e instanceof ToolInputError || e instanceof RevisionError
      ? (e as Error).message
      : `internal error: ${describeThrown(e)}`;
  return { isError: true, content: [{ type: 'text', text: message }] };
}

/** Runs a tool body; any exception becomes a tool error. */
async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (e) {
    return failure(e);
  }
}

export function createMcpServer(options: McpOptions): McpServer {
  const cwd = options.cwd ?? process.cwd();
  const abs = (p: string) => path.resolve(cwd, p);
  const parser = () => nodeParser(options.wasmDirs);
  const catalog = options.catalog;

  /** C sources under each path; paths in reports are relative to `root` when given. */
  const readSources = (paths: string[], root?: string): SourceFile[] => {
    for (const p of paths)
      if (!fs.existsSync(abs(p))) throw new ToolInputError(`${p}: no such file or directory`);
    const { sources, problems } = collectSources(paths.map(abs), {
      maxFileBytes: DEFAULT_MAX_FILE_BYTES,
    });
    if (!sources.length)
      throw new ToolInputError(
        `no C files to analyse in ${paths.join(', ')}` +
          (problems.length
            ? ` (${problems.map((x) => `${x.path}: ${x.message}`).join('; ')})`
            : ''),
      );
    const base = root ?? cwd;
    return sources.map((s) => ({
      path: path.relative(base, s.path) || path.basename(s.path),
      text: s.text,
    }));
  };

  /** One side of a comparison: a file or folder (paths relative to it), or a git revision. */
  const side = async (spec: string, repo: string | undefined, paths: string[] | undefined) => {
    if (repo) return readGitRevision(abs(repo), spec, paths?.length ? paths : ['.']);
    const p = abs(spec);
    if (!fs.existsSync(p)) throw new ToolInputError(`${spec}: no such file or directory`);
    return readSources([spec], fs.statSync(p).isDirectory() ? p : path.dirname(p));
  };

  const comparisonResult = (r: ComparisonResult): CallToolResult =>
    ok(comparisonText(r, { explain: true }), comparisonFacts(r));

  const server = new McpServer({ name: 'lifecycle-lens', version: TOOL_VERSION });

  server.registerTool(
    'analyze',
    {
      title: 'Analyse kernel C',
      description:
        'Analyse C files or a source tree as one program: per refcounted object type, who holds ' +
        'references, lifecycle transitions, final-put sites, and for each entry context (RPC ' +
        'thread, workqueue, fsnotify, lease notifier, shrinker, RCU callback...) where release work ' +
        '(fput, fsync, flush) runs, inline or deferred, with call chains; plus findings (leaks, ' +
        'double puts, sleeping release work while atomic).',
      inputSchema: {
        paths: z.array(z.string()).min(1).describe('Files or folders (relative to the server cwd)'),
      },
    },
    ({ paths }) =>
      guarded(async () => {
        const model = analyzeSources(readSources(paths), { parser: await parser(), catalog });
        return ok(textReport(model), {
          files: model.files.map((f) => ({
            file: f.file,
            functions: f.functions,
            skipped: f.skipped,
          })),
          objects: model.objects,
          entryPoints: model.entryPoints,
          findings: model.findings,
        });
      }),
  );

  server.registerTool(
    'compare',
    {
      title: 'Compare two revisions',
      description:
        'Behaviour changes between two revisions (files, folders, or git revisions of a ' +
        'repository): release work moving between contexts (deferred -> inline in fsnotify...), ' +
        'reference ownership, final-put sites, hash paths, deferral mechanisms, entry points. ' +
        'Each change carries the call chain of both sides as evidence.',
      inputSchema: {
        before: z.string().describe('File or folder, or a git revision when `repo` is given'),
        after: z.string().describe('File or folder, or a git revision when `repo` is given'),
        repo: z.string().optional().describe('Git repository: before/after are revisions of it'),
        paths: z.array(z.string()).optional().describe('With repo: paths to compare (default all)'),
      },
    },
    ({ before, after, repo, paths }) =>
      guarded(async () => {
        const r = compareTexts(
          { label: before, sources: await side(before, repo, paths) },
          { label: after, sources: await side(after, repo, paths) },
          { parser: await parser(), catalog },
        );
        return comparisonResult(r);
      }),
  );

  server.registerTool(
    'compare_series',
    {
      title: 'Compare versions of a patch series',
      description:
        'Apply each version of a patch series (mbox files as b4 am / git format-patch write ' +
        'them) to its base in a private temporary tree and list the behaviour changes from the ' +
        'base to the first version and between versions, with evidence chains.',
      inputSchema: {
        mboxes: z.array(z.string()).min(1).describe('mbox files, oldest version first'),
        base: z.string().optional().describe('Base as a folder'),
        baseRev: z.string().optional().describe('Base as a git revision of `repo`'),
        repo: z.string().optional().describe('Git repository for baseRev (default: server cwd)'),
      },
    },
    ({ mboxes, base, baseRev, repo }) =>
      guarded(async () => {
        if (!base && !baseRev)
          throw new ToolInputError('give a base: `base` (folder) or `baseRev`');
        const series = await compareSeries({
          parser: await parser(),
          catalog,
          mboxes: mboxes.map(abs),
          ...(base ? { baseDir: abs(base) } : { repoDir: abs(repo ?? '.'), baseRev }),
        });
        return ok(seriesText(series, { explain: false }), {
          base: series.base,
          versions: series.versions,
          comparisons: series.comparisons.map(comparisonFacts),
        });
      }),
  );

  server.registerTool(
    'explain_function',
    {
      title: "Explain one function's reference effects",
      description:
        "One function's reference effects (gets, puts, final puts, hashing, LRU, deferrals, " +
        'release calls, with the locks held), whether it is a get/put wrapper, the contexts it ' +
        'runs in, and every release path through it per entry context (inline or deferred), ' +
        'with call chains.',
      inputSchema: {
        paths: z
          .array(z.string())
          .min(1)
          .describe('Files or folders holding the function and its callers'),
        function: z.string().min(1).describe('Function name'),
      },
    },
    ({ paths, function: name }) =>
      guarded(async () => {
        const model = analyzeSources(readSources(paths), { parser: await parser(), catalog });
        const e = explainFunction(model, name);
        if (!e) {
          const near = model.functions
            .map((f) => f.name)
            .filter((n) => n.includes(name) || name.includes(n))
            .slice(0, 5);
          throw new ToolInputError(
            `no function ${name}() in ${paths.join(', ')}` +
              (near.length ? ` (similar: ${near.join(', ')})` : ''),
          );
        }
        return ok(explanationText(e), { ...e });
      }),
  );

  return server;
}

/** Serves on stdin/stdout until the client closes the connection. */
export async function serveMcp(options: McpOptions): Promise<void> {
  const server = createMcpServer(options);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.on('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
}
