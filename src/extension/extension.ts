// Lifecycle Lens extension entry point. activate() only registers and wires:
// the parser (wasm) and all analysis live in a worker thread started on first
// use, and the folder index starts after activation returns.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Location, ProgramModel } from '../core/model';
import { AnalysisClient } from './analysisClient';
import { CompareController, REV_SCHEME, type CompareSession } from './compare';
import { openGraph, refreshGraph } from './graphCommand';
import { registerGraphPanelSerializer } from './graphPanel';
import { createLog } from './log';
import { MailCommands } from './mailCommands';
import {
  DiagnosticsPublisher,
  HoverProvider,
  LensProvider,
  LifecycleView,
  showReleasePaths,
  toPos,
} from './providers';
import { registerMcpServer, type McpHost } from './mcpRegistration';
import { readSettings, UserError } from './settings';
import { buildKernelTreeIndex, kernelTreeSetting, offerTreeIndex } from './treeIndexCommand';
import { WorkspaceIndex, type IndexUpdate } from './workspaceIndex';

/** What other parts (mail drafting, tests) can build on: `extensions.getExtension(...).exports`. */
export interface LifecycleLensApi {
  model(): ProgramModel | undefined;
  onDidUpdate: vscode.Event<IndexUpdate>;
  comparison(): CompareSession | undefined;
  onDidCompare: vscode.Event<CompareSession>;
  whenIdle(): Promise<void>;
}

export function activate(context: vscode.ExtensionContext): LifecycleLensApi {
  const t0 = performance.now();
  const log = createLog();
  const client = new AnalysisClient(
    path.join(context.extensionPath, 'dist', 'analysisWorker.js'),
    (l) => log.error(l),
  );
  const index = new WorkspaceIndex(client, log);
  // Offered as the on-demand summaries start (on a whole tree they take minutes), once per tree.
  client.onTreesWithoutIndex = (trees) =>
    offerTreeIndex(
      trees,
      (tree) => void vscode.commands.executeCommand('lifecycleLens.buildKernelTreeIndex', tree),
    );
  const diagnostics = new DiagnosticsPublisher(index);
  const lenses = new LensProvider(index);
  const lifecycle = new LifecycleView();
  const compare = new CompareController(client, log);
  const mail = new MailCommands(context, compare, log);
  const status = vscode.window.createStatusBarItem(
    'lifecycleLens.status',
    vscode.StatusBarAlignment.Left,
    10,
  );
  status.name = 'Lifecycle Lens';
  status.command = 'lifecycleLens.showLog';
  status.text = '$(eye) Lifecycle';
  status.tooltip = 'Lifecycle Lens: waiting for C files. Click for the log.';
  status.show();

  const reveal = async (at: Location) => {
    const doc = await vscode.workspace.openTextDocument(index.uriOf(at.file));
    const pos = toPos(at);
    await vscode.window.showTextDocument(doc, {
      selection: new vscode.Range(pos, pos),
      preview: true,
    });
  };
  const guarded =
    <A extends unknown[]>(name: string, f: (...a: A) => unknown) =>
    async (...a: A) => {
      try {
        await f(...a);
      } catch (e) {
        const msg = (e as Error)?.message ?? String(e);
        if (e instanceof UserError) {
          void vscode.window.showWarningMessage(`Lifecycle Lens: ${msg}`);
          log.warn(`${name}: ${msg}`);
        } else {
          log.error(`${name} failed: ${(e as Error)?.stack ?? msg}`);
          const pick = await vscode.window.showErrorMessage(
            `Lifecycle Lens: ${name} failed: ${msg}`,
            'Show Log',
          );
          if (pick) log.show();
        }
      }
    };
  const cmd = (id: string, name: string, f: (...a: never[]) => unknown) =>
    vscode.commands.registerCommand(id, guarded(name, f as (...a: unknown[]) => unknown));

  // The MCP server runs git and applies patches: offered in trusted workspaces only.
  const offerMcp = () => {
    const mcp = registerMcpServer(vscode as unknown as McpHost, {
      extensionPath: context.extensionPath,
      version: String((context.extension.packageJSON as { version?: unknown }).version ?? ''),
    });
    if (mcp) context.subscriptions.push(mcp);
    log.info(mcp ? 'MCP server registered' : 'MCP server not registered (VS Code < 1.101)');
  };
  if (vscode.workspace.isTrusted) offerMcp();
  else context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(offerMcp));

  const cSelector: vscode.DocumentSelector = [{ language: 'c' }];
  context.subscriptions.push(
    log,
    status,
    index,
    diagnostics,
    compare,
    vscode.languages.registerCodeLensProvider(cSelector, lenses),
    vscode.languages.registerHoverProvider(cSelector, new HoverProvider(index)),
    vscode.window.createTreeView('lifecycleLens.lifecycle', {
      treeDataProvider: lifecycle.provider,
      showCollapseAll: true,
    }),
    vscode.window.createTreeView('lifecycleLens.changes', {
      treeDataProvider: compare.changes,
      showCollapseAll: true,
    }),
    vscode.workspace.registerTextDocumentContentProvider(REV_SCHEME, compare.content),
    index.onDidFindings((f) => {
      diagnostics.publish(f);
      log.info(
        `published diagnostics ${(performance.now() - f.queuedAt).toFixed(0)} ms after the change was queued (worker ${f.ms.toFixed(0)} ms); model follows`,
      );
    }),
    index.onDidUpdate((u) => {
      const t = performance.now();
      // Always republished: the inline-release notes need the model's release paths.
      diagnostics.publish({
        findings: u.model.findings,
        files: u.model.files,
        hostSkipped: u.hostSkipped,
        objects: u.model.objects,
      });
      lenses.refresh();
      lifecycle.update(u);
      refreshGraph(index);
      log.info(
        `${u.findingsPublished ? 'updated CodeLens, views' : 'published diagnostics'} ${(performance.now() - u.queuedAt).toFixed(0)} ms after the change was queued (UI update ${(performance.now() - t).toFixed(1)} ms)`,
      );
    }),
    index.onDidPartial((p) => {
      diagnostics.publishPartial(p);
      log.info(
        `published quick diagnostics for ${p.files.length} edited file(s) ${(performance.now() - p.queuedAt).toFixed(0)} ms after the change was queued (worker ${p.ms.toFixed(0)} ms); whole-program update follows`,
      );
    }),
    index.onDidChangeStatus(() => {
      status.text = index.status.text;
      status.tooltip = index.status.tooltip;
    }),
    cmd('lifecycleLens.showLog', 'Show log', () => log.show()),
    cmd('lifecycleLens.reveal', 'Reveal', (at: Location) => reveal(at)),
    cmd('lifecycleLens.revealChange', 'Reveal', (at: Location, ctx?: string) =>
      compare.reveal(at, ctx),
    ),
    cmd('lifecycleLens.showReleasePaths', 'Show release paths', (fn: string) =>
      showReleasePaths(index, fn, reveal, log),
    ),
    cmd('lifecycleLens.reindex', 'Re-index', () => configureAndIndex(true)),
    cmd('lifecycleLens.buildKernelTreeIndex', 'Build kernel tree index', async (tree?: string) => {
      const stats = await buildKernelTreeIndex(
        client,
        path.join(context.extensionPath, 'dist', 'analysisWorker.js'),
        readSettings().kernelTree,
        log,
        typeof tree === 'string' ? tree : undefined,
      );
      // The open files' callees now come from the index.
      if (stats && stats.indexed) await index.reindex();
    }),
    cmd('lifecycleLens.stopAnalysis', 'Stop analysis', async () => {
      await client.stop();
      log.info('analysis worker stopped by the user; the next change restarts it');
      status.text = '$(debug-pause) Lifecycle: stopped';
    }),
    cmd('lifecycleLens.compareWithRevision', 'Compare with git revision', (u?: vscode.Uri) =>
      compare.compareWithRevision(u),
    ),
    cmd('lifecycleLens.compareRevisions', 'Compare two git revisions', (u?: vscode.Uri) =>
      compare.compareRevisions(u),
    ),
    cmd('lifecycleLens.compareFiles', 'Compare two files', (a?: vscode.Uri, b?: vscode.Uri[]) =>
      compare.compareFiles(a, b),
    ),
    cmd('lifecycleLens.compareSeries', 'Compare patch series versions', (...a: unknown[]) =>
      compare.compareSeries(...a),
    ),
    cmd('lifecycleLens.openGraph', 'Open lifecycle graph', () =>
      openGraph(context, index, compare, reveal, log),
    ),
    // Mail drafting (src/core/mail): drafts open as editable review-mail documents;
    // sending needs a trusted workspace and an explicit modal confirmation.
    cmd('lifecycleLens.draftReviewReply', 'Draft review reply', () => mail.draftReply()),
    cmd('lifecycleLens.saveReviewDraft', 'Save review draft', () => mail.saveDraft()),
    cmd('lifecycleLens.copyReviewDraft', 'Copy review draft', () => mail.copyDraft()),
    cmd('lifecycleLens.sendReviewDraft', 'Send review draft', () => mail.sendDraft()),
    cmd('lifecycleLens.forgetSmtpPassword', 'Forget SMTP password', () =>
      mail.forgetSmtpPassword(),
    ),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('lifecycleLens')) return;
      const heavy =
        e.affectsConfiguration('lifecycleLens.catalogFiles') ||
        e.affectsConfiguration('lifecycleLens.maxFileSizeKB') ||
        e.affectsConfiguration('lifecycleLens.exclude') ||
        e.affectsConfiguration('lifecycleLens.indexWorkspace') ||
        e.affectsConfiguration('lifecycleLens.kernelTree');
      index.settings = readSettings();
      if (heavy) void configureAndIndex(true);
      else if (index.view) {
        lenses.refresh();
        void index.whenIdle();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void configureAndIndex(true)),
  );

  async function configureAndIndex(reindex: boolean): Promise<void> {
    const s = readSettings();
    index.settings = s;
    const catalogs: { path: string; text: string }[] = [];
    for (const f of s.catalogFiles) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const uri =
        path.isAbsolute(f) || !folder ? vscode.Uri.file(f) : vscode.Uri.joinPath(folder, f);
      try {
        catalogs.push({
          path: uri.fsPath,
          text: new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)),
        });
      } catch (e) {
        reportCatalogProblem(`cannot read catalog file ${uri.fsPath}: ${(e as Error).message}`);
      }
    }
    const kernelTree = kernelTreeSetting(s.kernelTree);
    const { problems, catalogSources } = await client.configure(
      catalogs,
      s.maxFileBytes,
      kernelTree ? { kernelTree } : {},
    );
    for (const p of problems) reportCatalogProblem(p);
    log.info(`catalog: ${catalogSources.join(', ')}`);
    if (reindex) await index.reindex();
  }
  function reportCatalogProblem(msg: string): void {
    log.error(msg);
    void vscode.window
      .showErrorMessage(`Lifecycle Lens: ${msg}. The catalog file is ignored.`, 'Open Settings')
      .then(
        (p) =>
          p &&
          vscode.commands.executeCommand(
            'workbench.action.openSettings',
            'lifecycleLens.catalogFiles',
          ),
      );
  }

  registerGraphPanelSerializer(context, (file, line) => void reveal({ file, line, column: 1 }));

  // Everything heavy starts after activate() returns.
  setTimeout(() => {
    void (async () => {
      try {
        await configureAndIndex(false);
        index.start();
      } catch (e) {
        log.error(`start failed: ${(e as Error).stack ?? e}`);
      }
    })();
  }, 0);
  log.info(
    `activated in ${(performance.now() - t0).toFixed(1)} ms (${vscode.workspace.isTrusted ? 'trusted' : 'restricted mode: no git, no patch application, catalogs from user settings only'})`,
  );

  return {
    model: () => index.view?.model,
    onDidUpdate: index.onDidUpdate,
    comparison: () => compare.session,
    onDidCompare: compare.onDidCompare,
    whenIdle: () => index.whenIdle(),
  };
}

export function deactivate(): void {}
