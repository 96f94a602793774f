// "Open Lifecycle Graph": the comparison shown in the Behaviour changes view if
// there is one, else the folder's model, handed to the graph webview panel
// (graphPanel.ts). Clicking a node reveals its code.
import * as vscode from 'vscode';
import type { Location } from '../core/model';
import type { GraphPayload } from '../../webview/src/protocol';
import type { CompareController } from './compare';
import { showLifecycleGraph, updateLifecycleGraph } from './graphPanel';
import type { Log } from './log';
import type { WorkspaceIndex } from './workspaceIndex';

let showing: 'model' | 'comparison' | undefined;

export function graphPayload(
  index: WorkspaceIndex,
  compare: CompareController,
  prefer?: 'model' | 'comparison',
): GraphPayload | undefined {
  const s = compare.session;
  const model = index.view?.model;
  if (s && prefer !== 'model') return { kind: 'comparison', title: s.title, comparison: s.result };
  if (model) return { kind: 'model', title: vscode.workspace.name ?? 'Lifecycle', model };
  return undefined;
}

export async function openGraph(
  context: vscode.ExtensionContext,
  index: WorkspaceIndex,
  compare: CompareController,
  reveal: (at: Location) => Promise<void>,
  log: Log,
  prefer?: 'model' | 'comparison',
): Promise<void> {
  const payload = graphPayload(index, compare, prefer);
  if (!payload) {
    void vscode.window.showInformationMessage(
      'Lifecycle Lens: nothing to draw yet — open a C file or run a compare first.',
    );
    return;
  }
  log.info(`opening lifecycle graph: ${payload.kind} ${payload.title}`);
  showing = payload.kind;
  showLifecycleGraph(context, payload, (file, line) => {
    const at = { file, line, column: 1 };
    if (payload.kind === 'comparison' && compare.session) {
      // The graph names files as the comparison recorded them; try the after side first.
      const side = compare.session.uriFor('after', file) ? 'after' : 'before';
      void compare.reveal(at, side);
    } else void reveal(at);
  });
}

/** Keeps an open model graph in step with re-analysis after edits. */
export function refreshGraph(index: WorkspaceIndex): void {
  const model = index.view?.model;
  if (showing === 'model' && model)
    updateLifecycleGraph({ kind: 'model', title: vscode.workspace.name ?? 'Lifecycle', model });
}
