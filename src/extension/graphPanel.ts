// The graph webview panel: lifecycle graphs, the context graph and the compare
// view (webview/src). The host side of webview/src/protocol.ts: every message is
// validated in both directions; the page runs under a strict CSP (scripts only
// by nonce from dist/webview, WASM compilation for Graphviz, nothing inline).
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  approxSize,
  MAX_MESSAGE_BYTES,
  parseHostMessage,
  parseWebviewMessage,
  type GraphPayload,
  type HostToWebview,
} from '../../webview/src/protocol';

export type { GraphPayload } from '../../webview/src/protocol';

export const GRAPH_VIEW_TYPE = 'lifecycleLens.graph';

type RevealFn = (file: string, line: number) => void;

interface PanelEntry {
  panel: vscode.WebviewPanel;
  ready: boolean;
  pending?: HostToWebview;
  onReveal: RevealFn;
}

let current: PanelEntry | undefined;

function webviewRoot(context: vscode.ExtensionContext): vscode.Uri {
  return vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview');
}

function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [webviewRoot(context)] };
}

export function graphHtml(webview: vscode.Webview, root: vscode.Uri, nonce: string): string {
  const js = webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js'));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.css'));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' 'wasm-unsafe-eval'`,
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${css.toString()}">
<title>Lifecycle graph</title>
</head>
<body>
<script nonce="${nonce}" src="${js.toString()}"></script>
</body>
</html>`;
}

/** Opens the file at `line` (1-based); relative paths resolve against the workspace folders. */
async function defaultReveal(file: string, line: number): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const candidates = path.isAbsolute(file)
    ? [vscode.Uri.file(file)]
    : folders.map((f) => vscode.Uri.joinPath(f.uri, file));
  for (const uri of candidates) {
    try {
      await vscode.workspace.fs.stat(uri);
      const pos = new vscode.Position(Math.max(0, line - 1), 0);
      await vscode.window.showTextDocument(uri, {
        selection: new vscode.Range(pos, pos),
        preview: true,
      });
      return;
    } catch {
      // try the next folder
    }
  }
  void vscode.window.showWarningMessage(`Lifecycle Lens: cannot find ${file}`);
}

async function saveExport(format: 'svg' | 'dot', content: string, name: string): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
    filters: format === 'svg' ? { 'SVG image': ['svg'] } : { 'Graphviz DOT': ['dot', 'gv'] },
    title: `Export graph as ${format.toUpperCase()}`,
  });
  if (!uri) return;
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(content));
  void vscode.window.showInformationMessage(`Lifecycle Lens: graph saved to ${uri.fsPath}`);
}

function send(entry: PanelEntry, msg: HostToWebview): void {
  // Validate what we send as strictly as what we receive.
  if (!parseHostMessage(msg)) {
    void vscode.window.showErrorMessage(
      approxSize(msg) > MAX_MESSAGE_BYTES
        ? 'Lifecycle Lens: the graph data is larger than 5 MB; narrow the analysis to fewer files.'
        : 'Lifecycle Lens: the graph data is malformed and was not shown.',
    );
    return;
  }
  if (!entry.ready) {
    entry.pending = msg;
    return;
  }
  void entry.panel.webview.postMessage(msg);
}

function setup(
  context: vscode.ExtensionContext,
  panel: vscode.WebviewPanel,
  onReveal: RevealFn,
): PanelEntry {
  const entry: PanelEntry = { panel, ready: false, onReveal };
  panel.webview.options = webviewOptions(context);
  panel.webview.html = graphHtml(
    panel.webview,
    webviewRoot(context),
    crypto.randomBytes(18).toString('base64'),
  );
  const subs: vscode.Disposable[] = [];
  subs.push(
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      if (approxSize(raw) > MAX_MESSAGE_BYTES) return;
      const msg = parseWebviewMessage(raw);
      if (!msg) return; // unknown or malformed: dropped
      switch (msg.type) {
        case 'ready':
          entry.ready = true;
          if (entry.pending) {
            void panel.webview.postMessage(entry.pending);
            delete entry.pending;
          }
          break;
        case 'reveal':
          entry.onReveal(msg.file, msg.line);
          break;
        case 'export':
          void saveExport(msg.format, msg.content, msg.name);
          break;
      }
    }),
    panel.onDidDispose(() => {
      if (current === entry) current = undefined;
      for (const s of subs) s.dispose();
    }),
  );
  current = entry;
  return entry;
}

/**
 * Shows the graph panel (creating it beside the editor, or reusing the open
 * one) with `payload`. `onReveal` is called when the user clicks a node or edge
 * (or presses Enter on it): file as recorded in the model, 1-based line.
 */
export function showLifecycleGraph(
  context: vscode.ExtensionContext,
  payload: GraphPayload,
  onReveal: (file: string, line: number) => void,
): vscode.WebviewPanel {
  let entry = current;
  if (entry) {
    entry.onReveal = onReveal;
    entry.panel.title = `Lifecycle: ${payload.title}`;
    entry.panel.reveal(undefined, true);
  } else {
    const panel = vscode.window.createWebviewPanel(
      GRAPH_VIEW_TYPE,
      `Lifecycle: ${payload.title}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      webviewOptions(context),
    );
    entry = setup(context, panel, onReveal);
  }
  send(entry, { type: 'show', payload });
  return entry.panel;
}

/** New data for the open panel (re-analysis after an edit), keeping the user's view settings. */
export function updateLifecycleGraph(payload: GraphPayload): boolean {
  if (!current) return false;
  send(current, { type: 'update', payload });
  return true;
}

/**
 * Restores graph panels after a window reload: the webview brings back its own
 * state (getState) — data, view, filters, selection. Needs the activation event
 * "onWebviewPanel:lifecycleLens.graph" in package.json.
 */
export function registerGraphPanelSerializer(
  context: vscode.ExtensionContext,
  onReveal?: (file: string, line: number) => void,
): vscode.Disposable {
  const reveal: RevealFn = onReveal ?? ((file, line) => void defaultReveal(file, line));
  const d = vscode.window.registerWebviewPanelSerializer(GRAPH_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
      setup(context, panel, reveal);
    },
  });
  context.subscriptions.push(d);
  return d;
}
