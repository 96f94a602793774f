// Reads the extension's settings, honouring Workspace Trust: in a restricted
// (untrusted) workspace, paths that make us read or run something (catalog
// files) come from user settings only, never from the workspace.
import * as vscode from 'vscode';
import type { FindingKind } from '../core/model';
import type { SeveritySetting } from './present';

export const FINDING_KINDS: FindingKind[] = [
  'ref-leak',
  'double-put',
  'sleep-in-atomic',
  'unchecked-conditional-get',
];

export interface Settings {
  catalogFiles: string[];
  findingKinds: FindingKind[];
  /** Show findings resting on a guess too (lifecycleLens.findings.showGuesses). */
  showGuesses: boolean;
  severity: Partial<Record<FindingKind, SeveritySetting>>;
  maxFileBytes: number;
  codeLens: boolean;
  indexWorkspace: boolean;
  exclude: string;
  debounceMs: number;
  inlineReleaseInCallbacks: boolean;
  /** lifecycleLens.kernelTree as written ('' = found from the files). */
  kernelTree: string;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('lifecycleLens');
  const trusted = vscode.workspace.isTrusted;
  const catalogInspect = c.inspect<string[]>('catalogFiles');
  const catalogFiles = trusted
    ? (c.get<string[]>('catalogFiles') ?? [])
    : (catalogInspect?.globalValue ?? []);
  const kinds = c.get<string[]>('findings.kinds') ?? FINDING_KINDS;
  return {
    catalogFiles,
    findingKinds: FINDING_KINDS.filter((k) => kinds.includes(k)),
    showGuesses: c.get<boolean>('findings.showGuesses') ?? false,
    severity: c.get<Partial<Record<FindingKind, SeveritySetting>>>('findings.severity') ?? {},
    maxFileBytes: Math.max(1, c.get<number>('maxFileSizeKB') ?? 2048) * 1024,
    codeLens: c.get<boolean>('codeLens.enabled') ?? true,
    indexWorkspace: c.get<boolean>('indexWorkspace') ?? true,
    exclude: c.get<string>('exclude') ?? '**/{node_modules,.git,.cache,dist,out}/**',
    debounceMs: c.get<number>('debounceMs') ?? 300,
    inlineReleaseInCallbacks: c.get<boolean>('diagnostics.inlineReleaseInCallbacks') ?? true,
    // A tree we read every file of: from user settings only in Restricted Mode.
    kernelTree:
      (trusted ? c.get<string>('kernelTree') : c.inspect<string>('kernelTree')?.globalValue) ?? '',
  };
}

/** Throws an actionable error when an operation needs a trusted workspace. */
export function requireTrust(what: string): void {
  if (!vscode.workspace.isTrusted)
    throw new UserError(
      `${what} is disabled in Restricted Mode: it runs git or applies patches. Trust the workspace (Workspaces: Manage Workspace Trust) to use it.`,
    );
}

/** An error whose message is meant for the user as is. */
export class UserError extends Error {}
