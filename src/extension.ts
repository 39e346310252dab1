/** Container Trace: builds the services, registers views and commands. */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { ContainerService } from './ext/containers';
import { HelperClient } from './ext/helper';
import { SessionManager } from './ext/sessions';
import { ContainersTreeProvider } from './ext/views/containers-tree';
import { TracesTreeProvider } from './ext/views/traces-tree';
import { registerCommands, type Services } from './ext/commands';
import { outputPidLinks } from './ext/links';
import { traceStatusBar } from './ext/status';
import { watchContainerTools } from './ext/container-tools';
import { watchHelperInstalled } from './ext/system';
import { openSource, SourceResolver } from './ext/source/resolver';
import { SourceService } from './ext/source/session-sources';
import { OPEN_SOURCE, outputSourceLinks } from './ext/source/output-links';
import { LivePanel } from './ext/views/live-panel';
import { FIND_FUNCTIONS, FunctionLenses, SOURCE_LANGUAGES, TRACE_FUNCTION, traceFunction, type LensTarget } from './ext/source/codelens';
import { CLEAR_MARKS, ProfileMarks } from './ext/source/profile-marks';
import { start } from './ext/commands';

/** What activate returns: used by the extension's own tests. */
export interface ContainerTraceApi {
  services: Services;
  containersTree: ContainersTreeProvider;
  sources: SourceService;
  lenses: FunctionLenses;
  marks: ProfileMarks;
}

export function activate(context: vscode.ExtensionContext): ContainerTraceApi {
  const cliPath = path.join(context.extensionPath, 'dist', 'cli.js');
  const helper = new HelperClient(cliPath);
  const containers = new ContainerService((line) => helper.log.warn(line), helper);
  const sessions = new SessionManager(helper, () => helper.log.show());
  const services: Services = { extensionUri: context.extensionUri, cliPath, containers, helper, sessions };
  const containersTree = new ContainersTreeProvider(containers);
  const tracesTree = new TracesTreeProvider(sessions);
  const containersView = vscode.window.createTreeView('containerTrace.containers', { treeDataProvider: containersTree, showCollapseAll: true });
  containersTree.attach(containersView);
  services.reveal = (containerIds, hostPid) => containersTree.reveal(containersView, containerIds, hostPid);
  services.refreshNode = (node) => containersTree.refresh(node as never);
  // Paths and frames to the workspace's files, through each container's mounts.
  const resolver = new SourceResolver();
  const sources = new SourceService(resolver, async () => (await containers.list()).flatMap((l) => l.containers));
  LivePanel.sources = sources;
  // From the code: functions a running container's binary has (Trace calls), and a profile's shares.
  const lenses = new FunctionLenses(containers, helper, sessions, resolver);
  const marks = new ProfileMarks(sessions, sources);
  const sourceDocs = SOURCE_LANGUAGES.map((language) => ({ language }));
  context.subscriptions.push(
    helper,
    containers,
    sessions,
    containersTree,
    tracesTree,
    containersView,
    vscode.window.createTreeView('containerTrace.traces', { treeDataProvider: tracesTree }),
    ...registerCommands(services, () => containersTree.refresh()),
    traceStatusBar(sessions),
    outputPidLinks(),
    resolver,
    outputSourceLinks(sessions, sources),
    lenses,
    marks,
    vscode.languages.registerCodeLensProvider(sourceDocs, lenses),
    vscode.languages.registerCodeLensProvider(sourceDocs, marks),
    vscode.commands.registerCommand(TRACE_FUNCTION, (t?: LensTarget) => traceFunction(t, (params, container) => start(services, params, { container }, true))),
    vscode.commands.registerCommand(FIND_FUNCTIONS, async () => {
      try {
        await helper.ready();
      } catch (err) {
        void vscode.window.showErrorMessage(`Container Trace: the helper could not start, so the containers' binaries cannot be read: ${(err as Error).message}`, 'Show Helper Log').then((pick) => pick && helper.log.show());
        return;
      }
      lenses.rescan();
    }),
    vscode.commands.registerCommand(CLEAR_MARKS, () => marks.clear()),
    vscode.commands.registerCommand(OPEN_SOURCE, async (uri?: unknown, line?: unknown) => {
      if (typeof uri !== 'string') return undefined;
      const target = vscode.Uri.parse(uri);
      // Only files of the workspace: what a link was made for.
      if (!resolver.inWorkspace(target)) return undefined;
      return openSource(target, typeof line === 'number' ? line : undefined).catch((err: Error) => void vscode.window.showWarningMessage(`Container Trace: ${vscode.workspace.asRelativePath(target)} cannot be opened as text: ${err.message}`));
    }),
    watchContainerTools(),
    watchHelperInstalled(),
  );
  return { services, containersTree, sources, lenses, marks };
}

export function deactivate(): void {
  // Disposables (the helper first) are released by VS Code.
}
