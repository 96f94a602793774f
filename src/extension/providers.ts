// Editor features over the current model: diagnostics, CodeLens, hovers and
// the Lifecycle tree.
import * as vscode from 'vscode';
import type {
  Finding,
  FunctionSummary,
  Location,
  ObjectLifecycle,
  ParseReport,
} from '../core/model';
import { visibleFindings } from '../core/reports/findingKey';
import type { Log } from './log';
import {
  callHover,
  fileNotes,
  findingDiagnostics,
  functionLenses,
  inlineReleaseDiagnostics,
  lifecycleTree,
  SHORT_CONTEXT,
  type DiagnosticSpec,
} from './present';
import { SpecTreeProvider } from './tree';
import { keyOf, type IndexUpdate, type WorkspaceIndex } from './workspaceIndex';

const SEVERITY = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
} as const;

export class DiagnosticsPublisher implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('lifecycle-lens');
  private published = new Set<string>();
  /** Inline-release notes of the last model (kept while findings of a newer run arrive). */
  private release: DiagnosticSpec[] = [];
  constructor(private readonly index: WorkspaceIndex) {}

  private toDiagnostic(d: DiagnosticSpec): vscode.Diagnostic {
    const range = new vscode.Range(d.line - 1, Math.max(0, d.column - 1), d.line - 1, 1000);
    const diag = new vscode.Diagnostic(range, d.message, SEVERITY[d.severity]);
    diag.source = 'Lifecycle Lens';
    diag.code = d.code;
    if (d.related.length)
      diag.relatedInformation = d.related.map(
        (r) =>
          new vscode.DiagnosticRelatedInformation(
            new vscode.Location(this.index.uriOf(r.at.file), toPos(r.at)),
            r.message,
          ),
      );
    return diag;
  }

  /** Replaces every diagnostic: findings, notes on partially analysed files, skipped files. */
  publish(u: {
    findings: Finding[];
    files: ParseReport[];
    hostSkipped: Map<string, string>;
    /** The model's objects, once built: inline release work in borrowed contexts. */
    objects?: ObjectLifecycle[];
  }): void {
    const s = this.index.settings;
    if (u.objects)
      this.release = s.inlineReleaseInCallbacks ? inlineReleaseDiagnostics(u.objects) : [];
    const specs: DiagnosticSpec[] = [
      ...findingDiagnostics(visibleFindings(u.findings, s.showGuesses).shown, {
        kinds: s.findingKinds,
        severity: s.severity,
      }),
      ...fileNotes({ files: u.files }),
      ...this.release,
    ];
    for (const [file, reason] of u.hostSkipped)
      specs.push({
        file,
        line: 1,
        column: 1,
        message: `Lifecycle Lens skipped this file: ${reason}.`,
        severity: 'information',
        code: 'skipped',
        related: [],
      });
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const d of specs)
      byFile.set(d.file, [...(byFile.get(d.file) ?? []), this.toDiagnostic(d)]);
    for (const f of this.published) if (!byFile.has(f)) this.collection.delete(this.index.uriOf(f));
    for (const [f, ds] of byFile) this.collection.set(this.index.uriOf(f), ds);
    this.published = new Set(byFile.keys());
  }

  /**
   * Fast path after an edit: replaces the edited files' path findings (ref-leak,
   * double-put, unchecked-conditional-get) and notes, keeping their other
   * diagnostics (sleep-in-atomic needs the whole program) until the full update.
   */
  publishPartial(p: { files: string[]; findings: Finding[]; reports: ParseReport[] }): void {
    const s = this.index.settings;
    const fresh = [
      ...findingDiagnostics(visibleFindings(p.findings, s.showGuesses).shown, {
        kinds: s.findingKinds,
        severity: s.severity,
      }),
      ...fileNotes({ files: p.reports }),
    ];
    const replaced = new Set([
      'ref-leak',
      'double-put',
      'unchecked-conditional-get',
      'skipped',
      'parse-errors',
    ]);
    for (const file of p.files) {
      const uri = this.index.uriOf(file);
      const kept = (this.collection.get(uri) ?? []).filter((d) => !replaced.has(String(d.code)));
      this.collection.set(uri, [
        ...kept,
        ...fresh.filter((d) => d.file === file).map((d) => this.toDiagnostic(d)),
      ]);
      this.published.add(file);
    }
  }

  dispose(): void {
    this.collection.dispose();
  }
}

export function toPos(at: Location): vscode.Position {
  return new vscode.Position(Math.max(0, at.line - 1), Math.max(0, at.column - 1));
}

export class LensProvider implements vscode.CodeLensProvider {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  constructor(private readonly index: WorkspaceIndex) {}
  refresh(): void {
    this.emitter.fire();
  }
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const view = this.index.view;
    if (!view || !this.index.settings.codeLens) return [];
    const out: vscode.CodeLens[] = [];
    for (const fn of view.functionsIn(keyOf(doc.uri)))
      for (const l of functionLenses(view, fn)) {
        const line = Math.min(l.line - 1, doc.lineCount - 1);
        out.push(
          new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
            title: l.title,
            tooltip: l.tooltip,
            command: 'lifecycleLens.showReleasePaths',
            arguments: [fn.name],
          }),
        );
      }
    return out;
  }
}

export class HoverProvider implements vscode.HoverProvider {
  constructor(private readonly index: WorkspaceIndex) {}
  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const view = this.index.view;
    if (!view) return undefined;
    const hit = view.callAt(keyOf(doc.uri), pos.line + 1, pos.character + 1);
    if (!hit) return undefined;
    const md = new vscode.MarkdownString(callHover(view, hit.fn, hit.call));
    const c = hit.call.at;
    return new vscode.Hover(
      md,
      new vscode.Range(c.line - 1, c.column - 1, c.line - 1, c.column - 1 + hit.call.callee.length),
    );
  }
}

export class LifecycleView {
  readonly provider = new SpecTreeProvider('lifecycleLens.reveal', [
    { label: 'Indexing… (open a C file or folder)', icon: 'loading~spin' },
  ]);
  update(u: IndexUpdate): void {
    const nodes = lifecycleTree(u.model);
    this.provider.set(
      nodes.length
        ? nodes
        : [{ label: 'No refcounted object types found in this folder', icon: 'info' }],
    );
  }
}

/** QuickPick of the release paths through a function (CodeLens click). */
export async function showReleasePaths(
  index: WorkspaceIndex,
  fnName: string,
  reveal: (at: Location) => Promise<void>,
  log: Log,
): Promise<void> {
  const view = index.view;
  if (!view) return;
  const fns: FunctionSummary[] = view.byName.get(fnName) ?? [];
  const paths = view.pathsThrough(fnName);
  const items = paths.map((p) => ({
    label: `${p.release} in ${SHORT_CONTEXT[p.runsIn]} (${p.mode})`,
    description: `${p.entry}() → … → ${p.sink}()`,
    detail: p.chain.map((s) => `${s.function}→${s.call}`).join('  ›  '),
    at: p.chain[p.chain.length - 1]?.at,
  }));
  if (!items.length) {
    const fn = fns[0];
    log.info(
      `${fnName}: no release path passes through it; contexts: ${fn?.contexts.join(', ') || 'none'}`,
    );
    void vscode.window.showInformationMessage(
      `Lifecycle Lens: no final-close path passes through ${fnName}() (contexts: ${fn?.contexts.map((c) => SHORT_CONTEXT[c]).join(', ') || 'none found'}).`,
    );
    return;
  }
  const pick = await vscode.window.showQuickPick(items, {
    title: `Release work reached through ${fnName}()`,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (pick?.at) await reveal(pick.at);
}
