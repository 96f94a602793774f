// Generic TreeDataProvider over TreeNodeSpec records (Lifecycle view, Behaviour changes view).
import * as vscode from 'vscode';
import type { Location } from '../core/model';
import type { TreeNodeSpec } from './present';

export class SpecTreeProvider implements vscode.TreeDataProvider<TreeNodeSpec> {
  private roots: TreeNodeSpec[] = [];
  private readonly parents = new Map<TreeNodeSpec, TreeNodeSpec | undefined>();
  private readonly emitter = new vscode.EventEmitter<TreeNodeSpec | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(
    private readonly revealCommand: string,
    private readonly empty: TreeNodeSpec[] = [],
  ) {}

  set(roots: TreeNodeSpec[]): void {
    this.roots = roots;
    this.parents.clear();
    const walk = (n: TreeNodeSpec, p: TreeNodeSpec | undefined) => {
      this.parents.set(n, p);
      for (const c of n.children ?? []) walk(c, n);
    };
    for (const r of roots) walk(r, undefined);
    this.emitter.fire(undefined);
  }

  get nodes(): readonly TreeNodeSpec[] {
    return this.roots;
  }

  getChildren(n?: TreeNodeSpec): TreeNodeSpec[] {
    if (!n) return this.roots.length ? this.roots : this.empty;
    return n.children ?? [];
  }

  getParent(n: TreeNodeSpec): TreeNodeSpec | undefined {
    return this.parents.get(n);
  }

  getTreeItem(n: TreeNodeSpec): vscode.TreeItem {
    const state = n.children?.length
      ? n.expanded
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.Collapsed
      : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(n.label, state);
    item.description = n.description;
    item.tooltip = n.tooltip;
    item.contextValue = n.contextValue;
    if (n.icon) item.iconPath = new vscode.ThemeIcon(n.icon);
    if (n.at)
      item.command = {
        command: this.revealCommand,
        title: 'Reveal',
        arguments: [n.at satisfies Location, n.contextValue],
      };
    return item;
  }
}
