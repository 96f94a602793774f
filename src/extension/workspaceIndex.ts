// Keeps the analysis model of the open folder up to date: indexes every .c/.h
// file in the background, then re-analyses incrementally on edits (debounced)
// and file changes (FileSystemWatcher). File contents are posted to the
// analysis worker, which re-extracts only what changed.
import * as vscode from 'vscode';
import type { SourceFile } from '../core/analysis/analyze';
import type { ProgramModel } from '../core/model';
import {
  AnalysisClient,
  CancelledError,
  type AnalysisResult,
  type FindingsResult,
  type PartialResult,
} from './analysisClient';
import { KeyedDebouncer, SerialRunner } from './debounce';
import type { Log } from './log';
import { ModelView } from './present';
import { readSettings, type Settings } from './settings';

const C_GLOB = '**/*.{c,h}';
/**
 * A pause in typing this long starts extracting the edited text in the worker,
 * so when the edit debounce (lifecycleLens.debounceMs) ends only the program
 * analysis is left to run.
 */
const PREFETCH_MS = 100;

export function keyOf(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.toString();
}

/** Schemes whose C documents join the analysis (not diff/revision views such as git: or ours). */
function analysable(uri: vscode.Uri): boolean {
  if (uri.scheme === 'file' || uri.scheme === 'untitled') return true;
  return (vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.scheme === uri.scheme);
}

export function isCDocument(doc: vscode.TextDocument): boolean {
  return (doc.languageId === 'c' || /\.[ch]$/.test(doc.uri.path)) && analysable(doc.uri);
}

export interface IndexUpdate {
  model: ProgramModel;
  view: ModelView;
  /** Files skipped by the host before reading (too large), key -> reason. */
  hostSkipped: Map<string, string>;
  result: AnalysisResult;
  /** When the triggering change was queued (performance.now()). */
  queuedAt: number;
  /** This run's findings were already published through onDidFindings. */
  findingsPublished: boolean;
}

/** The whole program's findings, ahead of its model (what diagnostics need). */
export interface FindingsUpdate {
  findings: FindingsResult['findings'];
  files: FindingsResult['reports'];
  hostSkipped: Map<string, string>;
  /** Worker time from receiving the change to posting the findings. */
  ms: number;
  queuedAt: number;
}

export class WorkspaceIndex implements vscode.Disposable {
  private readonly uris = new Map<string, vscode.Uri>();
  private readonly pending = new Map<string, SourceFile>();
  private readonly removed = new Set<string>();
  readonly hostSkipped = new Map<string, string>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly emitter = new vscode.EventEmitter<IndexUpdate>();
  readonly onDidUpdate = this.emitter.event;
  private readonly runner = new SerialRunner(() => this.flush());
  private readonly editDebounce: KeyedDebouncer<string>;
  /** Extracts the edited text while the edit debounce is still running. */
  private readonly prefetchDebounce: KeyedDebouncer<string>;
  private readonly diskDebounce: KeyedDebouncer<string>;
  private abort: AbortController | undefined;
  private queuedAt = 0;
  private indexing: Promise<void> | undefined;
  settings: Settings = readSettings();
  view: ModelView | undefined;
  /** Status text for the status bar. */
  status: { text: string; tooltip: string; busy: boolean } = {
    text: 'Lifecycle: idle',
    tooltip: '',
    busy: false,
  };
  private readonly partialEmitter = new vscode.EventEmitter<PartialResult & { queuedAt: number }>();
  /** Fast first diagnostics for edited files; the full update follows. */
  readonly onDidPartial = this.partialEmitter.event;
  private readonly findingsEmitter = new vscode.EventEmitter<FindingsUpdate>();
  /** After an edit: the whole program's findings, before the model (onDidUpdate) follows. */
  readonly onDidFindings = this.findingsEmitter.event;
  private readonly statusEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeStatus = this.statusEmitter.event;

  constructor(
    readonly client: AnalysisClient,
    private readonly log: Log,
  ) {
    this.editDebounce = new KeyedDebouncer(
      () => this.settings.debounceMs,
      (k) => this.queueDocument(k),
    );
    this.prefetchDebounce = new KeyedDebouncer(
      () => Math.min(PREFETCH_MS, this.settings.debounceMs / 2),
      (k) => this.prefetch(k),
    );
    this.diskDebounce = new KeyedDebouncer(
      () => 100,
      (k) => void this.queueDisk(k),
    );
  }

  uriOf(key: string): vscode.Uri {
    return (
      this.uris.get(key) ?? (key.includes('://') ? vscode.Uri.parse(key) : vscode.Uri.file(key))
    );
  }

  /** Wires document and file events and starts the background index. */
  start(): void {
    const ws = vscode.workspace;
    this.disposables.push(
      ws.onDidOpenTextDocument((d) => isCDocument(d) && this.queueText(d)),
      ws.onDidChangeTextDocument((e) => {
        if (!isCDocument(e.document) || !e.contentChanges.length || this.excluded(e.document))
          return;
        const k = this.track(e.document.uri);
        this.editDebounce.schedule(k);
        this.prefetchDebounce.schedule(k);
      }),
      ws.onDidCloseTextDocument((d) => {
        if (!isCDocument(d)) return;
        const k = keyOf(d.uri);
        // Files outside the indexed folders leave with their editor; indexed ones
        // fall back to their saved contents.
        if (!this.inIndexedFolder(d.uri)) this.remove(k);
        else if (d.isDirty) void this.queueDisk(k);
      }),
      this.emitter,
      this.partialEmitter,
      this.findingsEmitter,
      this.statusEmitter,
    );
    if (this.fileFolders().length) {
      const w = ws.createFileSystemWatcher(C_GLOB);
      this.disposables.push(
        w,
        w.onDidChange((u) => this.onDisk(u)),
        w.onDidCreate((u) => this.onDisk(u)),
        w.onDidDelete((u) => this.remove(this.track(u))),
      );
    }
    for (const d of ws.textDocuments) if (isCDocument(d)) this.queueText(d, false);
    this.indexing = this.indexFolders();
  }

  private fileFolders(): readonly vscode.WorkspaceFolder[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  }

  private inIndexedFolder(uri: vscode.Uri): boolean {
    if (!this.settings.indexWorkspace) return false;
    const f = vscode.workspace.getWorkspaceFolder(uri);
    return !!f && f.uri.scheme === 'file';
  }

  private track(uri: vscode.Uri): string {
    const k = keyOf(uri);
    this.uris.set(k, uri);
    return k;
  }

  private onDisk(uri: vscode.Uri): void {
    const k = this.track(uri);
    const open = this.openDocument(k);
    if (open?.isDirty) return; // the editor's text wins
    this.diskDebounce.schedule(k);
  }

  private remove(k: string): void {
    this.pending.delete(k);
    this.hostSkipped.delete(k);
    this.removed.add(k);
    this.kick();
  }

  private openDocument(k: string): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((d) => keyOf(d.uri) === k);
  }

  private prefetch(k: string): void {
    const text = this.openDocument(k)?.getText();
    if (text !== undefined && text.length <= this.settings.maxFileBytes)
      this.client.prefetch([{ path: k, text }]);
  }

  private queueDocument(k: string): void {
    const doc = this.openDocument(k);
    if (doc) this.queueText(doc);
  }

  /** Open documents the user excluded from the index (lifecycleLens.exclude) stay out of it. */
  private excluded(doc: vscode.TextDocument): boolean {
    const ex = this.settings.exclude;
    return (
      !!ex &&
      !!vscode.workspace.getWorkspaceFolder(doc.uri) &&
      vscode.languages.match({ pattern: ex }, doc) > 0
    );
  }

  private queueText(doc: vscode.TextDocument, kick = true): void {
    if (this.excluded(doc)) return;
    const k = this.track(doc.uri);
    const text = doc.getText();
    this.stage(k, text, text.length);
    if (kick) this.kick();
  }

  private stage(k: string, text: string | undefined, size: number): void {
    if (size > this.settings.maxFileBytes) {
      const reason = `file is ${(size / 1048576).toFixed(1)} MiB, over the lifecycleLens.maxFileSizeKB limit of ${Math.round(this.settings.maxFileBytes / 1024)} KiB`;
      if (this.hostSkipped.get(k) !== reason) this.log.warn(`skipped ${k}: ${reason}`);
      this.hostSkipped.set(k, reason);
      this.pending.delete(k);
      this.removed.add(k);
      return;
    }
    this.hostSkipped.delete(k);
    this.removed.delete(k);
    if (text !== undefined) this.pending.set(k, { path: k, text });
  }

  private async queueDisk(k: string): Promise<void> {
    const uri = this.uriOf(k);
    try {
      const st = await vscode.workspace.fs.stat(uri);
      if (st.size > this.settings.maxFileBytes) {
        this.stage(k, undefined, st.size);
      } else {
        const bytes = await vscode.workspace.fs.readFile(uri);
        this.stage(k, new TextDecoder('utf-8').decode(bytes), bytes.length);
      }
    } catch (e) {
      this.log.warn(`cannot read ${k}: ${(e as Error).message}`);
      this.removed.add(k);
    }
    this.kick();
  }

  /** Background index of every C file in the open (file-scheme) folders. */
  private async indexFolders(): Promise<void> {
    if (!this.settings.indexWorkspace) return;
    const folders = this.fileFolders();
    if (!folders.length) {
      if (vscode.workspace.workspaceFolders?.length)
        this.log.info('virtual workspace: analysing open documents only');
      return;
    }
    const t0 = performance.now();
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Lifecycle Lens: indexing' },
      async (progress) => {
        const found = await vscode.workspace.findFiles(C_GLOB, this.settings.exclude || undefined);
        const openKeys = new Set(vscode.workspace.textDocuments.map((d) => keyOf(d.uri)));
        progress.report({ message: `reading ${found.length} files` });
        this.setStatus(`$(sync~spin) Lifecycle: reading ${found.length} files`, '', true);
        const batch = 16;
        for (let i = 0; i < found.length; i += batch)
          await Promise.all(
            found.slice(i, i + batch).map(async (u) => {
              const k = this.track(u);
              if (!openKeys.has(k)) await this.readInto(k);
            }),
          );
        this.log.info(
          `index: read ${found.length} C files in ${(performance.now() - t0).toFixed(0)} ms`,
        );
        progress.report({ message: `analysing ${found.length} files` });
        this.kick();
        await this.runner.trigger();
        this.log.info(`index: ready in ${(performance.now() - t0).toFixed(0)} ms`);
      },
    );
  }

  private async readInto(k: string): Promise<void> {
    const uri = this.uriOf(k);
    try {
      const st = await vscode.workspace.fs.stat(uri);
      if (st.size > this.settings.maxFileBytes) return this.stage(k, undefined, st.size);
      const bytes = await vscode.workspace.fs.readFile(uri);
      this.stage(k, new TextDecoder('utf-8').decode(bytes), bytes.length);
    } catch (e) {
      this.log.warn(`cannot read ${k}: ${(e as Error).message}`);
    }
  }

  /** Resolves when the initial index (if any) and pending analyses are done. */
  async whenIdle(): Promise<void> {
    await this.indexing;
    await this.runner.trigger();
  }

  private kick(): void {
    if (!this.pending.size && !this.removed.size) return;
    if (!this.queuedAt) this.queuedAt = performance.now();
    // A newer change supersedes a running analysis: cancel it, the runner re-runs with the union.
    if (this.runner.busy) this.abort?.abort();
    void this.runner.trigger().catch((e) => this.log.error(String(e)));
  }

  private async flush(): Promise<void> {
    if (!this.pending.size && !this.removed.size) return;
    const upserts = [...this.pending.values()];
    const removed = [...this.removed];
    const queuedAt = this.queuedAt || performance.now();
    this.pending.clear();
    this.removed.clear();
    this.queuedAt = 0;
    const abort = new AbortController();
    this.abort = abort;
    const big = upserts.length > 3;
    if (big) this.setStatus(`$(sync~spin) Lifecycle: analysing ${upserts.length} files`, '', true);
    let findingsPublished = false;
    try {
      const result = await this.client.analyze(upserts, removed, {
        signal: abort.signal,
        onPartial: big ? undefined : (p) => this.partialEmitter.fire({ ...p, queuedAt }),
        onFindings: big
          ? undefined
          : (f) => {
              findingsPublished = true;
              this.findingsEmitter.fire({
                findings: f.findings,
                files: f.reports,
                hostSkipped: this.hostSkipped,
                ms: f.ms,
                queuedAt,
              });
            },
        onProgress: (done, total) =>
          big && this.setStatus(`$(sync~spin) Lifecycle: analysing ${done}/${total}`, '', true),
      });
      const view = new ModelView(result.model);
      this.view = view;
      const t = result.timings;
      this.log.info(
        `analysis: ${t.extracted} file(s) re-extracted of ${t.files} in ${t.extractMs.toFixed(0)} ms, program analysis ${t.analyzeMs.toFixed(0)} ms${t.parserLoadMs !== undefined ? `, parser loaded in ${t.parserLoadMs.toFixed(0)} ms` : ''}; ${result.model.functions.length} functions, ${result.model.findings.length} findings`,
      );
      for (const c of t.callees ?? []) this.log.info(c);
      for (const f of result.model.files)
        if (f.skipped && upserts.some((u) => u.path === f.file))
          this.log.warn(`skipped ${f.file}: ${f.skipped}`);
      this.updateStatus(result.model);
      this.emitter.fire({
        model: result.model,
        view,
        hostSkipped: this.hostSkipped,
        result,
        queuedAt,
        findingsPublished,
      });
    } catch (e) {
      // Put the work back so the next run includes it.
      for (const u of upserts)
        if (!this.pending.has(u.path) && !this.removed.has(u.path)) this.pending.set(u.path, u);
      for (const r of removed) if (!this.pending.has(r)) this.removed.add(r);
      if (e instanceof CancelledError) {
        this.log.info('analysis superseded by a newer change; re-running');
        if (!this.queuedAt) this.queuedAt = queuedAt;
        return;
      }
      this.log.error(`analysis failed: ${(e as Error).message}`);
      this.setStatus(
        '$(error) Lifecycle: analysis failed',
        `${(e as Error).message}\nThe next edit retries (the worker restarts with every file). Click for the log.`,
        false,
      );
    }
  }

  /** Re-sends every file (after a settings change that invalidates the worker's cache). */
  async reindex(): Promise<void> {
    this.settings = readSettings();
    this.pending.clear();
    this.indexing = (async () => {
      for (const d of vscode.workspace.textDocuments) if (isCDocument(d)) this.queueText(d, false);
      await this.indexFolders();
      this.kick();
    })();
    await this.indexing;
  }

  private updateStatus(model: ProgramModel): void {
    const skipped = [
      ...model.files.filter((f) => f.skipped).map((f) => `${f.file}: ${f.skipped}`),
      ...[...this.hostSkipped].map(([k, r]) => `${k}: ${r}`),
    ];
    const analysed = model.files.length - model.files.filter((f) => f.skipped).length;
    const text = skipped.length
      ? `$(warning) Lifecycle: ${analysed} files, ${skipped.length} skipped`
      : `$(pass) Lifecycle: ${analysed} files`;
    const tooltip = [
      `${model.functions.length} functions, ${model.objects.length} object types, ${model.findings.length} findings`,
      ...(skipped.length ? ['', 'Skipped:', ...skipped] : []),
      '',
      'Click to show the Lifecycle Lens log.',
    ].join('\n');
    this.setStatus(text, tooltip, false);
  }

  private setStatus(text: string, tooltip: string, busy: boolean): void {
    this.status = { text, tooltip, busy };
    this.statusEmitter.fire();
  }

  dispose(): void {
    this.editDebounce.dispose();
    this.prefetchDebounce.dispose();
    this.diskDebounce.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
