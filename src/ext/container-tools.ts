/**
 * The Container Tools extension (or its predecessor, the Docker extension),
 * when installed: its Logs, Shell and Inspect on a Docker or Podman
 * container of the Containers view. Looked up by id at runtime (it is not a
 * dependency); the context key `containerTrace.containerTools` shows the
 * menu entries only while it is there.
 */
import * as vscode from 'vscode';
import type { ContainerInfo } from '../protocol/containers';
import { shellWord } from '../cli/command-line';

/** Extension id → its commands' prefix, newest first. */
const TOOLS: [string, string][] = [
  ['ms-azuretools.vscode-containers', 'vscode-containers'],
  ['ms-azuretools.vscode-docker', 'vscode-docker'],
];

export type ToolAction = 'viewLogs' | 'attachShell' | 'inspect';

/** The installed one's command prefix, if any. */
export function containerTools(): string | undefined {
  return TOOLS.find(([id]) => vscode.extensions.getExtension(id))?.[1];
}

/** Keep `containerTrace.containerTools` true while the extension is installed. */
export function watchContainerTools(): vscode.Disposable {
  const update = () => void vscode.commands.executeCommand('setContext', 'containerTrace.containerTools', !!containerTools());
  update();
  return vscode.extensions.onDidChange(update);
}

/** Its command on this container (given as its own tree items describe one); a terminal with the runtime's CLI if that fails. */
export async function runContainerTool(action: ToolAction, c: ContainerInfo): Promise<void> {
  const prefix = containerTools();
  if (prefix) {
    // What its commands read of their tree item.
    const node = { containerId: c.id, containerName: c.name, imageName: c.image, fullId: c.id, id: c.id, label: c.name };
    try {
      await vscode.commands.executeCommand(`${prefix}.containers.${action}`, node);
      return;
    } catch {
      /* its tree may not know this container (another runtime): the CLI does */
    }
  }
  const cli = c.runtime === 'docker' ? 'docker' : 'podman';
  const args = { viewLogs: ['logs', '--follow', '--tail', '200'], attachShell: ['exec', '-it'], inspect: ['inspect'] }[action];
  const terminal = vscode.window.createTerminal({ name: `${c.name}: ${action === 'viewLogs' ? 'logs' : action === 'attachShell' ? 'shell' : 'inspect'}` });
  terminal.show();
  terminal.sendText([cli, ...args, c.id, ...(action === 'attachShell' ? ['sh'] : [])].map(shellWord).join(' '));
}
