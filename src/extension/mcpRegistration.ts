// Registers `lifecycle-lens mcp` with VS Code's MCP support, so chat agents in
// the editor can ask for the analysis. The API (vscode.lm.
// registerMcpServerDefinitionProvider, VS Code 1.101) is newer than our
// engine floor (1.100): it is detected at run time and skipped when absent.
import path from 'node:path';
import * as vscode from 'vscode';

export const MCP_PROVIDER_ID = 'lifecycleLens.mcp';

/** The parts of the 1.101 API we use, typed here because @types/vscode is 1.100. */
interface McpStdioDefinition {
  cwd?: vscode.Uri;
}
interface McpApi {
  lm?: {
    registerMcpServerDefinitionProvider?: (
      id: string,
      provider: {
        onDidChangeMcpServerDefinitions?: vscode.Event<void>;
        provideMcpServerDefinitions(): McpStdioDefinition[];
      },
    ) => vscode.Disposable;
  };
  McpStdioServerDefinition?: new (
    label: string,
    command: string,
    args?: string[],
    env?: Record<string, string>,
    version?: string,
  ) => McpStdioDefinition;
}

/** Registers the server definition; returns undefined on hosts without the API. */
export function registerMcpServer(
  context: vscode.ExtensionContext,
  api: McpApi = vscode as unknown as McpApi,
): vscode.Disposable | undefined {
  const register = api.lm?.registerMcpServerDefinitionProvider;
  const Definition = api.McpStdioServerDefinition;
  if (typeof register !== 'function' || typeof Definition !== 'function') return undefined;
  const changed = new vscode.EventEmitter<void>();
  const folders = vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire());
  const provider = register.call(api.lm, MCP_PROVIDER_ID, {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: () => {
      // The extension host's own runtime runs the bundled CLI as plain Node.
      const def = new Definition(
        'Lifecycle Lens',
        process.execPath,
        [path.join(context.extensionPath, 'dist', 'cli.js'), 'mcp'],
        { ELECTRON_RUN_AS_NODE: '1' },
        String((context.extension?.packageJSON as { version?: string })?.version ?? ''),
      );
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (folder?.uri.scheme === 'file') def.cwd = folder.uri;
      return [def];
    },
  });
  return vscode.Disposable.from(provider, folders, changed);
}
