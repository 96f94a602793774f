// Registers `lifecycle-lens mcp` with VS Code's MCP support, so chat agents in
// the editor can ask for the analysis. The API (vscode.lm.
// registerMcpServerDefinitionProvider, VS Code 1.101) is newer than our
// engine floor (1.100): it is detected at run time and skipped when absent.
// The vscode namespace is passed in (type-only import), so tests can hand in
// a host with or without the API.
import path from 'node:path';
import type * as vscode from 'vscode';

export const MCP_PROVIDER_ID = 'lifecycleLens.mcp';

/** The parts of the 1.101 API we use, typed here because @types/vscode is 1.100. */
export interface McpStdioDefinition {
  label: string;
  command: string;
  args?: string[];
  env?: Record<string, string>;
  version?: string;
  cwd?: vscode.Uri;
}
export interface McpProvider {
  onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(): McpStdioDefinition[];
}
export type McpHost = Pick<typeof vscode, 'EventEmitter' | 'Disposable' | 'workspace'> & {
  lm?: {
    registerMcpServerDefinitionProvider?: (id: string, provider: McpProvider) => vscode.Disposable;
  };
  McpStdioServerDefinition?: new (
    label: string,
    command: string,
    args?: string[],
    env?: Record<string, string>,
    version?: string,
  ) => McpStdioDefinition;
};

/** Registers the server definition; returns undefined on hosts without the API. */
export function registerMcpServer(
  host: McpHost,
  extension: { extensionPath: string; version: string },
): vscode.Disposable | undefined {
  const register = host.lm?.registerMcpServerDefinitionProvider;
  const Definition = host.McpStdioServerDefinition;
  if (typeof register !== 'function' || typeof Definition !== 'function') return undefined;
  const changed = new host.EventEmitter<void>();
  const folders = host.workspace.onDidChangeWorkspaceFolders(() => changed.fire());
  const provider = register.call(host.lm, MCP_PROVIDER_ID, {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: () => {
      // The extension host's own runtime runs the bundled CLI as plain Node.
      const def = new Definition(
        'Lifecycle Lens',
        process.execPath,
        [path.join(extension.extensionPath, 'dist', 'cli.js'), 'mcp'],
        { ELECTRON_RUN_AS_NODE: '1' },
        extension.version,
      );
      const folder = host.workspace.workspaceFolders?.[0];
      if (folder?.uri.scheme === 'file') def.cwd = folder.uri;
      return [def];
    },
  });
  return host.Disposable.from(provider, folders, changed);
}
