// The MCP server definition offered to VS Code: registered where the 1.101 API
// exists, skipped (no error) on older hosts.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MCP_PROVIDER_ID,
  registerMcpServer,
  type McpHost,
  type McpProvider,
  type McpStdioDefinition,
} from './mcpRegistration';

class Disposable {
  constructor(private readonly f: () => void) {}
  static from(...ds: { dispose(): void }[]) {
    return new Disposable(() => ds.forEach((d) => d.dispose()));
  }
  dispose() {
    this.f();
  }
}
class EventEmitter<T> {
  listeners: ((e: T) => void)[] = [];
  event = (l: (e: T) => void) => {
    this.listeners.push(l);
    return new Disposable(() => undefined);
  };
  fire(e: T) {
    this.listeners.forEach((l) => l(e));
  }
  dispose() {
    this.listeners = [];
  }
}

function host(withApi: boolean) {
  const registered: { id: string; provider: McpProvider; disposed: boolean }[] = [];
  const folderUri = { scheme: 'file', fsPath: '/work/linux' };
  const h = {
    Disposable,
    EventEmitter,
    workspace: {
      workspaceFolders: [{ uri: folderUri }],
      onDidChangeWorkspaceFolders: () => new Disposable(() => undefined),
    },
    ...(withApi
      ? {
          lm: {
            registerMcpServerDefinitionProvider: (id: string, provider: McpProvider) => {
              const r = { id, provider, disposed: false };
              registered.push(r);
              return new Disposable(() => (r.disposed = true));
            },
          },
          McpStdioServerDefinition: class implements McpStdioDefinition {
            constructor(
              public label: string,
              public command: string,
              public args?: string[],
              public env?: Record<string, string>,
              public version?: string,
            ) {}
          },
        }
      : { lm: {} }),
  } as unknown as McpHost;
  return { h, registered, folderUri };
}

describe('MCP server registration', () => {
  it('offers `node dist/cli.js mcp` in the first folder where the API exists', () => {
    const { h, registered, folderUri } = host(true);
    const d = registerMcpServer(h, { extensionPath: '/ext', version: '0.1.0' });
    expect(registered.map((r) => r.id)).toEqual([MCP_PROVIDER_ID]);
    const [def] = registered[0].provider.provideMcpServerDefinitions();
    expect({ ...def }).toEqual({
      label: 'Lifecycle Lens',
      command: process.execPath,
      args: [path.join('/ext', 'dist', 'cli.js'), 'mcp'],
      env: { ELECTRON_RUN_AS_NODE: '1' },
      version: '0.1.0',
      cwd: folderUri,
    });
    d?.dispose();
    expect(registered[0].disposed).toBe(true);
  });

  it('is skipped on hosts without the API', () => {
    const { h, registered } = host(false);
    expect(registerMcpServer(h, { extensionPath: '/ext', version: '0.1.0' })).toBeUndefined();
    expect(registered).toEqual([]);
  });
});
