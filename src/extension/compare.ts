// Compare commands: current file/folder vs a git revision, two revisions, two
// files, versions of a patch series. Results open in VS Code's diff editor with
// behaviour changes decorated on the lines that cause them, and are listed in
// the "Behaviour changes" view.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SourceFile } from '../core/analysis/analyze';
import type { ComparisonResult, SeriesComparison } from '../core/compare/compareTypes';
import type { Location } from '../core/model';
import type { AnalysisClient } from './analysisClient';
import { changeLog, changeMarks, changeTree, type LineMark, type Side } from './comparePresent';
import type { Log } from './log';
import { basename, shorten, TITLE_MAX, type TreeNodeSpec } from './present';
import { requireTrust, UserError } from './settings';
import { SpecTreeProvider } from './tree';
import { keyOf } from './workspaceIndex';

export const REV_SCHEME = 'lifecycle-lens-rev';

/** Serves revision contents read by git (or from a series) to the diff editor. */
export class RevisionContentProvider implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  put(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
  }
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
}

export interface CompareSession {
  title: string;
  result: ComparisonResult;
  /** Maps a file named in the evidence of `side` to the document showing it. */
  uriFor(side: Side, file: string): vscode.Uri | undefined;
  /** Diff pairs (before, after, title), the first one opened by default. */
  pairs: { before: vscode.Uri; after: vscode.Uri; title: string; file: string }[];
  /** Set for a series comparison: the whole result and the mbox files, oldest first (mail drafts). */
  series?: { comparison: SeriesComparison; mboxes: string[] };
}

export function findRepoRoot(p: string): string | undefined {
  let dir = fs.existsSync(p) && fs.statSync(p).isDirectory() ? p : path.dirname(p);
  for (;;) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const revUri = (label: string, rel: string, session: number) =>
  vscode.Uri.from({
    scheme: REV_SCHEME,
    path: `/${rel.replace(/\\/g, '/')}`,
    query: `rev=${encodeURIComponent(label)}&s=${session}`,
  });

export class CompareController implements vscode.Disposable {
  readonly changes = new SpecTreeProvider('lifecycleLens.revealChange', [
    { label: 'Run a Lifecycle Lens compare command to list behaviour changes.', icon: 'info' },
  ]);
  readonly content = new RevisionContentProvider();
  session: CompareSession | undefined;
  private seq = 0;
  private readonly deco: Record<LineMark['severity'] | 'step', vscode.TextEditorDecorationType>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly emitter = new vscode.EventEmitter<CompareSession>();
  readonly onDidCompare = this.emitter.event;

  constructor(
    private readonly client: AnalysisClient,
    private readonly log: Log,
  ) {
    const mk = (color: string, ruler: string, strong: boolean) =>
      vscode.window.createTextEditorDecorationType({
        isWholeLine: true,
        backgroundColor: strong ? new vscode.ThemeColor(color) : undefined,
        overviewRulerColor: new vscode.ThemeColor(ruler),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
        borderWidth: '0 0 0 3px',
        borderStyle: 'solid',
        borderColor: new vscode.ThemeColor(ruler),
        after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground') },
      });
    this.deco = {
      error: mk('inputValidation.errorBackground', 'editorError.foreground', true),
      warning: mk('inputValidation.warningBackground', 'editorWarning.foreground', true),
      note: mk('inputValidation.infoBackground', 'editorInfo.foreground', true),
      step: mk('editor.rangeHighlightBackground', 'editorInfo.foreground', false),
    };
    this.disposables.push(
      ...Object.values(this.deco),
      this.emitter,
      vscode.window.onDidChangeVisibleTextEditors(() => this.decorate()),
    );
  }

  private nextSession(): number {
    return ++this.seq;
  }

  /** Applies decorations to every visible editor showing a side of the current comparison. */
  decorate(): void {
    const s = this.session;
    const marks = s ? changeMarks(s.result) : [];
    const byUri = new Map<string, LineMark[]>();
    for (const m of marks) {
      const u = s?.uriFor(m.side, m.file)?.toString();
      if (!u) continue;
      byUri.set(u, [...(byUri.get(u) ?? []), m]);
    }
    for (const ed of vscode.window.visibleTextEditors) {
      const ms = byUri.get(ed.document.uri.toString()) ?? [];
      const buckets: Record<string, vscode.DecorationOptions[]> = {
        error: [],
        warning: [],
        note: [],
        step: [],
      };
      for (const m of ms) {
        const line = Math.min(Math.max(0, m.line - 1), ed.document.lineCount - 1);
        const first = m.message.split('\n')[0];
        buckets[m.primary ? m.severity : 'step'].push({
          range: new vscode.Range(line, 0, line, 0),
          hoverMessage: new vscode.MarkdownString(
            m.message
              .split('\n')
              .map((l) => `**Lifecycle Lens** (${m.side}): ${l}`)
              .join('\n\n'),
          ),
          renderOptions: { after: { contentText: `◀ ${shorten(first, TITLE_MAX)}` } },
        });
      }
      for (const [k, t] of Object.entries(this.deco)) ed.setDecorations(t, buckets[k]);
    }
  }

  private async show(session: CompareSession, openDiff = true): Promise<void> {
    this.session = session;
    this.changes.set(changeTree(session.result));
    const n = session.result.changes.length;
    this.log.info(changeLog(session.title, session.result));
    await vscode.commands.executeCommand('setContext', 'lifecycleLens.hasComparison', true);
    if (openDiff && session.pairs.length) {
      // Prefer the file the first change is about.
      const first = session.result.changes[0];
      const f =
        first?.after?.chain[0]?.at.file ?? first?.after?.at?.file ?? first?.before?.at?.file;
      const pair = session.pairs.find((p) => p.file === f) ?? session.pairs[0];
      await vscode.commands.executeCommand('vscode.diff', pair.before, pair.after, pair.title, {
        preview: false,
      });
    }
    this.decorate();
    // Scroll to the line that causes the first change.
    const first = session.result.changes[0];
    const at = first?.after?.at ?? first?.after?.chain[0]?.at;
    const bat = first?.before?.at ?? first?.before?.chain[0]?.at;
    if (openDiff && (at || bat))
      await this.reveal((at ?? bat) as Location, at ? 'after' : 'before');
    this.emitter.fire(session);
    void vscode.commands.executeCommand('lifecycleLens.changes.focus');
    void vscode.window.showInformationMessage(
      n
        ? `Lifecycle Lens: ${n} behaviour change${n === 1 ? '' : 's'} between ${session.result.before.label} and ${session.result.after.label}.`
        : `Lifecycle Lens: no behaviour change between ${session.result.before.label} and ${session.result.after.label}.`,
    );
  }

  /** Reveals a location of the current comparison (tree click); `context` names the side. */
  async reveal(at: Location, context?: string): Promise<void> {
    const s = this.session;
    if (!s) return;
    const side: Side = context?.endsWith('before') ? 'before' : 'after';
    const uri = s.uriFor(side, at.file);
    if (!uri) {
      void vscode.window.showWarningMessage(`Lifecycle Lens: ${at.file} is not available to show.`);
      return;
    }
    const pair = s.pairs.find(
      (p) => p.before.toString() === uri.toString() || p.after.toString() === uri.toString(),
    );
    let ed = vscode.window.visibleTextEditors.find(
      (e) => e.document.uri.toString() === uri.toString(),
    );
    if (!ed && pair) {
      await vscode.commands.executeCommand('vscode.diff', pair.before, pair.after, pair.title, {
        preview: false,
      });
      ed = vscode.window.visibleTextEditors.find(
        (e) => e.document.uri.toString() === uri.toString(),
      );
    }
    if (!ed) ed = await vscode.window.showTextDocument(uri, { preview: true });
    const pos = new vscode.Position(Math.max(0, at.line - 1), Math.max(0, at.column - 1));
    ed.selection = new vscode.Selection(pos, pos);
    ed.revealRange(
      new vscode.Range(pos, pos),
      vscode.TextEditorRevealType.InCenterIfOutsideViewport,
    );
    this.decorate();
  }

  // ---- commands ----

  /** Current file (or a folder from the explorer) against a git revision. */
  async compareWithRevision(target?: vscode.Uri): Promise<void> {
    requireTrust('Comparing with a git revision');
    const uri = target ?? activeCUri();
    if (!uri)
      throw new UserError(
        'Open a C file (or pick a folder in the Explorer) to compare it with a git revision.',
      );
    if (uri.scheme !== 'file')
      throw new UserError(`Git comparison needs a file on disk; ${uri.toString()} is not.`);
    const repo = findRepoRoot(uri.fsPath);
    if (!repo)
      throw new UserError(`${uri.fsPath} is not inside a git repository (no .git found above it).`);
    const rev = await vscode.window.showInputBox({
      title: 'Lifecycle Lens: compare with git revision',
      prompt: `Revision of ${path.relative(repo, uri.fsPath) || basename(repo)} to compare the current contents with`,
      value: 'HEAD',
      ignoreFocusOut: true,
    });
    if (!rev) return;
    const files = await cFilesUnder(uri);
    const rels = files.map((f) => path.relative(repo, f.fsPath));
    const afterSources: SourceFile[] = [];
    for (let i = 0; i < files.length; i++)
      afterSources.push({ path: rels[i], text: await currentText(files[i]) });
    const r = await this.progress(`reading ${rev} and comparing ${rels.length} file(s)`, () =>
      this.client.compareGit({ repoDir: repo, paths: rels, beforeRev: rev, afterSources }),
    );
    const sid = this.nextSession();
    for (const s of r.beforeSources ?? []) this.content.put(revUri(rev, s.path, sid), s.text);
    const after = (rel: string) => vscode.Uri.file(path.join(repo, rel));
    await this.show({
      title: `${rev} ↔ working tree`,
      result: r.result,
      uriFor: (side, file) => (side === 'before' ? revUri(rev, file, sid) : after(file)),
      pairs: rels.map((rel) => ({
        before: revUri(rev, rel, sid),
        after: after(rel),
        title: `${basename(rel)} (${rev} ↔ working tree) · Lifecycle Lens`,
        file: rel,
      })),
    });
  }

  async compareRevisions(target?: vscode.Uri): Promise<void> {
    requireTrust('Comparing git revisions');
    const uri = target ?? activeCUri() ?? vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!uri || uri.scheme !== 'file')
      throw new UserError('Open a folder inside a git repository first.');
    const repo = findRepoRoot(uri.fsPath);
    if (!repo)
      throw new UserError(`${uri.fsPath} is not inside a git repository (no .git found above it).`);
    const before = await vscode.window.showInputBox({
      title: 'Lifecycle Lens: before revision',
      value: 'HEAD~1',
      ignoreFocusOut: true,
    });
    if (!before) return;
    const afterRev = await vscode.window.showInputBox({
      title: 'Lifecycle Lens: after revision',
      value: 'HEAD',
      ignoreFocusOut: true,
    });
    if (!afterRev) return;
    const files = await cFilesUnder(uri);
    const rels = files.map((f) => path.relative(repo, f.fsPath));
    const r = await this.progress(`comparing ${before} with ${afterRev}`, () =>
      this.client.compareGit({ repoDir: repo, paths: rels, beforeRev: before, afterRev }),
    );
    const sid = this.nextSession();
    for (const s of r.beforeSources ?? []) this.content.put(revUri(before, s.path, sid), s.text);
    for (const s of r.afterSources ?? []) this.content.put(revUri(afterRev, s.path, sid), s.text);
    await this.show({
      title: `${before} ↔ ${afterRev}`,
      result: r.result,
      uriFor: (side, file) => revUri(side === 'before' ? before : afterRev, file, sid),
      pairs: rels.map((rel) => ({
        before: revUri(before, rel, sid),
        after: revUri(afterRev, rel, sid),
        title: `${basename(rel)} (${before} ↔ ${afterRev}) · Lifecycle Lens`,
        file: rel,
      })),
    });
  }

  /** Two files: arguments (explorer multi-select), or picked from the workspace. */
  async compareFiles(a?: vscode.Uri, b?: vscode.Uri | vscode.Uri[]): Promise<void> {
    let before = a;
    let after = Array.isArray(b) ? b.find((u) => u.toString() !== a?.toString()) : b;
    if (Array.isArray(b) && b.length === 2) [before, after] = b;
    if (!before || !after) {
      before = await pickCFile(
        'Lifecycle Lens: compare two files — pick the BEFORE file (older version)',
      );
      if (!before) return;
      after = await pickCFile(
        `Pick the AFTER file (compared with ${vscode.workspace.asRelativePath(before)})`,
        before,
      );
      if (!after) return;
    }
    const [bt, at] = [await currentText(before), await currentText(after)];
    const labelOf = (u: vscode.Uri) => vscode.workspace.asRelativePath(u);
    const r = await this.progress('comparing two files', () =>
      this.client.compareTexts(
        { label: labelOf(before), sources: [{ path: keyOf(before), text: bt }] },
        { label: labelOf(after), sources: [{ path: keyOf(after), text: at }] },
      ),
    );
    const bk = keyOf(before);
    const ak = keyOf(after);
    await this.show({
      title: `${labelOf(before)} ↔ ${labelOf(after)}`,
      result: r.result,
      uriFor: (side, file) =>
        side === 'before' ? (file === bk ? before : undefined) : file === ak ? after : undefined,
      pairs: [
        {
          before,
          after,
          title: `${labelOf(before)} ↔ ${labelOf(after)} · Lifecycle Lens`,
          file: ak,
        },
      ],
    });
  }

  /** Versions of a patch series (mbox files, as b4 writes them) applied to a base tree. */
  async compareSeries(...args: unknown[]): Promise<void> {
    requireTrust('Comparing patch series (it applies patches with git)');
    let mboxes = args
      .flat()
      .filter((u): u is vscode.Uri => u instanceof vscode.Uri && u.path.endsWith('.mbox'));
    if (mboxes.length < 1) {
      const found = await vscode.workspace.findFiles(
        '**/*.{mbox,mbx,eml}',
        '**/node_modules/**',
        200,
      );
      if (!found.length)
        throw new UserError(
          'No .mbox files in the workspace: save the series versions (e.g. with `b4 am`) into the folder first.',
        );
      const picked = await vscode.window.showQuickPick(
        found
          .map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u }))
          .sort((x, y) => x.label.localeCompare(y.label)),
        {
          canPickMany: true,
          title: 'Lifecycle Lens: pick the series versions (oldest first by name)',
          ignoreFocusOut: true,
        },
      );
      if (!picked?.length) return;
      mboxes = picked.map((p) => p.uri);
    }
    mboxes.sort((x, y) => x.path.localeCompare(y.path, undefined, { numeric: true }));
    const base = await pickBase(mboxes[0]);
    if (!base) return;
    const res = await this.progress(
      `applying ${mboxes.length} series version(s) and comparing`,
      () => this.client.compareSeries({ ...base, mboxes: mboxes.map((m) => m.fsPath) }),
    );
    await this.showSeries(res.result, mboxes);
  }

  private async showSeries(series: SeriesComparison, mboxes: vscode.Uri[]): Promise<void> {
    const roots: TreeNodeSpec[] = series.comparisons.map((c, i) => ({
      label: `${c.before.label} → ${c.after.label}`,
      description: `${c.changes.length} change${c.changes.length === 1 ? '' : 's'}`,
      icon: 'git-compare',
      expanded: i === series.comparisons.length - 1,
      children: changeTree(c),
    }));
    this.changes.set(roots);
    const last = series.comparisons[series.comparisons.length - 1];
    if (!last) return;
    // The series' trees live in temporary folders; show the mbox versions side by side.
    const sid = this.nextSession();
    const pairs =
      mboxes.length >= 2
        ? [
            {
              before: mboxes[mboxes.length - 2],
              after: mboxes[mboxes.length - 1],
              title: `${basename(mboxes[mboxes.length - 2].path)} ↔ ${basename(mboxes[mboxes.length - 1].path)} · Lifecycle Lens`,
              file: '',
            },
          ]
        : [];
    this.session = {
      title: `series ${series.versions.map((v) => v.label).join(', ')}`,
      result: last,
      uriFor: (side, file) =>
        fs.existsSync(file)
          ? vscode.Uri.file(file)
          : revUri(side === 'before' ? last.before.label : last.after.label, file, sid),
      pairs,
      series: { comparison: series, mboxes: mboxes.map((m) => m.fsPath) },
    };
    this.log.info(
      [
        `series compare (base ${series.base}):`,
        ...series.comparisons.map(
          (c) =>
            `  ${c.before.label} → ${c.after.label}: ${c.changes.length} behaviour change${c.changes.length === 1 ? '' : 's'}`,
        ),
      ].join('\n'),
    );
    await vscode.commands.executeCommand('setContext', 'lifecycleLens.hasComparison', true);
    if (pairs.length)
      await vscode.commands.executeCommand(
        'vscode.diff',
        pairs[0].before,
        pairs[0].after,
        pairs[0].title,
        { preview: false },
      );
    this.emitter.fire(this.session);
    void vscode.commands.executeCommand('lifecycleLens.changes.focus');
  }

  private progress<T>(title: string, task: () => Promise<T>): Promise<T> {
    return Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Lifecycle Lens: ${title}…` },
        task,
      ),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function activeCUri(): vscode.Uri | undefined {
  const ed =
    vscode.window.activeTextEditor ??
    vscode.window.visibleTextEditors.find((e) => /\.[ch]$/.test(e.document.uri.path));
  return ed && ed.document.uri.scheme !== REV_SCHEME ? ed.document.uri : undefined;
}

async function currentText(uri: vscode.Uri): Promise<string> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc) return doc.getText();
  return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
}

async function cFilesUnder(uri: vscode.Uri): Promise<vscode.Uri[]> {
  const st = await vscode.workspace.fs.stat(uri);
  if (st.type & vscode.FileType.Directory) {
    const files = await vscode.workspace.findFiles(
      new vscode.RelativePattern(uri, '**/*.{c,h}'),
      '**/{node_modules,.git}/**',
    );
    if (!files.length) throw new UserError(`No .c or .h files under ${uri.fsPath}.`);
    return files.sort((a, b) => a.path.localeCompare(b.path));
  }
  return [uri];
}

async function pickCFile(title: string, exclude?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const found = await vscode.workspace.findFiles('**/*.{c,h}', '**/{node_modules,.git}/**', 5000);
  const items = found
    .filter((u) => u.toString() !== exclude?.toString())
    .map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u as vscode.Uri | undefined }))
    .sort((a, b) => a.label.localeCompare(b.label));
  items.push({ label: '$(folder-opened) Browse…', uri: undefined });
  const pick = await vscode.window.showQuickPick(items, {
    title,
    matchOnDescription: true,
    ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  if (pick.uri) return pick.uri;
  const chosen = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { C: ['c', 'h'] },
    title,
  });
  return chosen?.[0];
}

async function pickBase(
  firstMbox: vscode.Uri,
): Promise<{ repoDir?: string; baseDir?: string; baseRev?: string } | undefined> {
  type Item = vscode.QuickPickItem & {
    base?: { repoDir?: string; baseDir?: string; baseRev?: string };
    browse?: boolean;
  };
  const items: Item[] = [];
  const near = path.join(path.dirname(firstMbox.fsPath), 'base');
  if (fs.existsSync(near))
    items.push({
      label: vscode.workspace.asRelativePath(near),
      description: 'base tree (directory)',
      base: { baseDir: near },
    });
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    if (f.uri.scheme !== 'file') continue;
    const repo = findRepoRoot(f.uri.fsPath);
    if (repo)
      items.push({
        label: `${basename(repo)} @ HEAD`,
        description: 'git repository',
        base: { repoDir: repo, baseRev: 'HEAD' },
      });
    items.push({
      label: f.name,
      description: 'workspace folder as the base tree',
      base: { baseDir: f.uri.fsPath },
    });
  }
  items.push({ label: '$(folder-opened) Browse for the base tree…', browse: true });
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Lifecycle Lens: tree the series applies to',
    ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  if (pick.base) return pick.base;
  const dir = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    title: 'Base tree of the series',
  });
  return dir?.[0] ? { baseDir: dir[0].fsPath } : undefined;
}
