/**
 * The Codie extension: starts `codie serve`, keeps it in step with the settings, and adds
 * the status item, the chat panel, the hotspots and call-graph views and the commands.
 * Diagnostics, hover and quick fixes come from the language client with no code here.
 */
import * as os from "os";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";
import { ChatClient } from "./chat";
import { CHAT_VIEW_ID, ChatViewProvider } from "./chatView";
import { CallGraphProvider, HotspotsProvider } from "./insightViews";
import {
  Launch,
  LaunchSettings,
  ServerState,
  affectsLaunch,
  cliCommand,
  countDiagnostics,
  resolveLaunch,
  serverCommandsToRegister,
  serverEnv,
  serverSettings,
  shellLine,
  statusText,
  statusTooltip,
  withWorkspaceTrust,
} from "./launch";
import {
  CallGraphRequest,
  EXPLAIN_COMMAND,
  ExplainRequest,
  ExplainResult,
  FeedbackRequest,
  MANIFEST_SELECTOR,
  PROPOSE_FIX_COMMAND,
  ProposeFixResult,
  FeedbackVerdict,
  HotspotsRequest,
  RUN_TESTS_COMMAND,
  RuntimeResultNotification,
  hotspotGroups,
  isMethodNotFound,
  neighbourhood,
  proposeFixMessage,
} from "./protocol";

let client: LanguageClient | undefined;
let chatClient: ChatClient | undefined;
let launch: Launch | undefined;
let state: ServerState = "stopped";
let reportedBackend: { reported?: string; why?: string } = {};
let log: vscode.LogOutputChannel;
let status: vscode.StatusBarItem;

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration("codie", vscode.workspace.workspaceFolders?.[0]?.uri);
}

/** The `codie` section the server reads, with the workspace's trust (see withWorkspaceTrust). */
function settingsForServer(section: Record<string, unknown> | null | undefined): Record<string, unknown> {
  return withWorkspaceTrust(serverSettings(section), vscode.workspace.isTrusted);
}

function launchSettings(c: vscode.WorkspaceConfiguration): LaunchSettings {
  return {
    serverCommand: c.get<string[]>("serverCommand") ?? [],
    path: c.get<string>("path") ?? "",
    interpreter: c.get<string[]>("interpreter") ?? [],
    args: c.get<string[]>("args") ?? [],
  };
}

/** The interpreter selected in the Python extension, if it is installed. */
async function pythonExtensionInterpreter(resource: vscode.Uri | undefined): Promise<string[] | undefined> {
  const ext = vscode.extensions.getExtension("ms-python.python");
  if (!ext) {
    return undefined;
  }
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const details = api?.settings?.getExecutionDetails?.(resource);
    const command = details?.execCommand as string[] | undefined;
    return Array.isArray(command) && command.length > 0 ? command : undefined;
  } catch (error) {
    log.warn(`Python extension interpreter unavailable: ${String(error)}`);
    return undefined;
  }
}

function updateStatus(): void {
  const counts = countDiagnostics(vscode.languages.getDiagnostics().flatMap(([, ds]) => ds));
  status.text = statusText(state, counts);
  status.tooltip = statusTooltip(state, launch, { configured: config().get<string>("sandbox.backend"), ...reportedBackend });
  status.backgroundColor = state === "failed" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
}

function setState(next: ServerState): void {
  state = next;
  updateStatus();
}

/**
 * Explanations live in read-only virtual documents (scheme codie-explain), shown as a
 * Markdown preview: nothing to save, nothing left dirty when closed.
 */
const EXPLAIN_SCHEME = "codie-explain";
const explanations = new Map<string, string>();
const explainChanged = new vscode.EventEmitter<vscode.Uri>();
let explainCounter = 0;

async function showMarkdown(markdown: string, title = "Explanation"): Promise<void> {
  explainCounter += 1;
  const uri = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: `/${title.replace(/[^\w.-]+/g, "-")}.md`, query: String(explainCounter) });
  explanations.set(uri.toString(), markdown);
  explainChanged.fire(uri);
  try {
    await vscode.commands.executeCommand("markdown.showPreviewToSide", uri);
  } catch {
    await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const c = config();
  const folder = vscode.workspace.workspaceFolders?.[0];
  const python = await pythonExtensionInterpreter(folder?.uri);
  launch = resolveLaunch(launchSettings(c), python, {
    workspaceFolder: folder?.uri.fsPath,
    userHome: os.homedir(),
    env: process.env,
  });
  log.info(`Starting: ${[launch.command, ...launch.args].join(" ")} (from ${launch.source})`);
  const serverOptions: ServerOptions = {
    command: launch.command,
    args: launch.args,
    transport: TransportKind.stdio,
    options: { cwd: folder?.uri.fsPath, env: serverEnv(process.env, c.get<string>("sandbox.backend")) },
  };
  const clientOptions: LanguageClientOptions = {
    // Python, and the dependency manifests and lockfiles the server checks for vulnerable
    // pins (by file name: they have no language of their own without other extensions).
    documentSelector: [
      { scheme: "file", language: "python" },
      { scheme: "untitled", language: "python" },
      ...MANIFEST_SELECTOR,
    ],
    outputChannel: log,
    initializationOptions: settingsForServer(c as unknown as Record<string, unknown>),
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/pyproject.toml") },
    middleware: {
      workspace: {
        // The server reads only its own keys; launch settings stay on this side.
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) {
            return result;
          }
          return result.map((r, i) => params.items[i]?.section === "codie" ? settingsForServer(r as Record<string, unknown>) : r);
        },
      },
      // codie.explain, codie.askWhy... answer with Markdown meant for the user: show it.
      // codie.proposeFix answers {verified, reason, diff}: tell the user either way.
      // A failing command is shown too (not only logged), with what to do about it.
      executeCommand: async (command, args, next) => {
        let result: unknown;
        try {
          result = await next(command, args);
        } catch (error) {
          if (command.startsWith("codie.")) {
            void vscode.window.showErrorMessage(`Codie: ${command} failed: ${error instanceof Error ? error.message : String(error)}. See Codie: Show Logs.`);
            return undefined;
          }
          throw error;
        }
        if (command.startsWith("codie.") && typeof (result as ExplainResult | undefined)?.markdown === "string") {
          const r = result as ExplainResult;
          await showMarkdown(r.markdown, `Explain ${r.ruleId ?? r.ruleIds?.[0] ?? ""}`.trim());
        } else if (command === PROPOSE_FIX_COMMAND) {
          const ruleId = (args?.[0] as { ruleId?: string } | undefined)?.ruleId;
          const [level, text] = proposeFixMessage(result as ProposeFixResult | null, ruleId);
          if (level === "info") {
            const r = result as ProposeFixResult;
            void vscode.window.showInformationMessage(text, "Show diff").then((c) => {
              if (c === "Show diff" && r.diff) void showMarkdown("```diff\n" + r.diff + "\n```", `Fix ${ruleId ?? ""}`.trim());
            });
          } else {
            void vscode.window.showWarningMessage(text, "Open Settings").then((c) => {
              if (c === "Open Settings") void vscode.commands.executeCommand("workbench.action.openSettings", "codie.llm");
            });
          }
        }
        return result;
      },
    },
  };
  const next = new LanguageClient("codie", "Codie", serverOptions, clientOptions);
  skipOwnCommands(next, context);
  next.onDidChangeState((e) => {
    setState(e.newState === State.Running ? "running" : e.newState === State.Starting ? "starting" : "stopped");
  });
  next.onNotification(RuntimeResultNotification, (r) => {
    if (r?.backend) {
      reportedBackend = { reported: r.backend, why: r.why };
    }
    if (r?.summary) {
      log.info(`Tests for ${r.file ?? "the workspace"}: ${r.summary}`);
      if (awaitingTests) {
        awaitingTests = false;
        void vscode.window.showInformationMessage(`Codie tests: ${r.summary}`);
      }
    }
    updateStatus();
  });
  reportedBackend = {};
  client = next;
  chatClient = new ChatClient(next);
  setState("starting");
  try {
    await next.start();
    setState("running");
  } catch (error) {
    setState("failed");
    log.error(`Codie server failed to start: ${String(error)}`);
    const choice = await vscode.window.showErrorMessage(
      `Codie could not start \`${launch.command}\`. Set "codie.path" or "codie.interpreter", or install Codie (pip install codie-lsp).`,
      "Show Logs", "Open Settings",
    );
    if (choice === "Show Logs") log.show();
    if (choice === "Open Settings") void vscode.commands.executeCommand("workbench.action.openSettings", "codie.");
  }
  context.subscriptions.push({ dispose: () => void stopClient() });
}

type CommandRegistration = { id: string; registerOptions: { commands?: string[] } };

/** Keep the client from registering server commands that this extension contributes. */
function skipOwnCommands(lc: LanguageClient, context: vscode.ExtensionContext): void {
  const own = new Set<string>(
    ((context.extension.packageJSON?.contributes?.commands ?? []) as Array<{ command: string }>).map((c) => c.command));
  const feature = (lc as unknown as { getFeature(method: string): { register(d: CommandRegistration): void } | undefined })
    .getFeature(ExecuteCommandRequest.method);
  if (!feature) {
    return;
  }
  const register = feature.register.bind(feature);
  feature.register = (data: CommandRegistration) => {
    const { register: keep, clashes } = serverCommandsToRegister(data.registerOptions.commands, own);
    if (clashes.length > 0) {
      log.info(`Server commands handled by the extension itself: ${clashes.join(", ")}`);
    }
    register({ ...data, registerOptions: { ...data.registerOptions, commands: keep } });
  };
}

async function stopClient(): Promise<void> {
  const old = client;
  client = undefined;
  chatClient?.dispose();
  chatClient = undefined;
  if (old) {
    try {
      await old.stop();
    } catch (error) {
      log.warn(`stopping the server: ${String(error)}`);
    }
  }
  setState("stopped");
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  await stopClient();
  await startClient(context);
}

interface FindingAtCursor {
  ruleId: string;
  message: string;
  range: vscode.Range;
  uri: vscode.Uri;
  fingerprint?: string;
}

function findingsAtCursor(): FindingAtCursor[] {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    return [];
  }
  const pos = editor.selection.active;
  return vscode.languages.getDiagnostics(editor.document.uri)
    .filter((d) => d.source === "codie" && d.range.contains(pos))
    .map((d) => {
      const data = (d as unknown as { data?: { ruleId?: string; fingerprint?: string } }).data;
      return {
        ruleId: String(data?.ruleId ?? (typeof d.code === "object" ? d.code.value : d.code)),
        message: d.message,
        range: d.range,
        uri: editor.document.uri,
        fingerprint: data?.fingerprint,
      };
    });
}

async function pickFinding(): Promise<FindingAtCursor | undefined> {
  const found = findingsAtCursor();
  if (found.length === 0) {
    void vscode.window.showInformationMessage("Codie: no finding at the cursor.");
    return undefined;
  }
  return found.length === 1 ? found[0] : (await vscode.window.showQuickPick(
    found.map((f) => ({ label: f.ruleId, description: f.message, f })), { placeHolder: "Which finding?" }))?.f;
}

/** Tell Codie whether a finding is right; its confidence for this project adapts. */
async function feedback(): Promise<void> {
  const finding = await pickFinding();
  if (!client || !finding) {
    return;
  }
  const verdict = (await vscode.window.showQuickPick([
    { label: "accept", description: "a real problem" },
    { label: "dismiss", description: "noise: lower this rule's confidence here" },
    { label: "suppress", description: "noise: and hide this finding" },
  ], { placeHolder: `Feedback on ${finding.ruleId}` }))?.label as FeedbackVerdict | undefined;
  if (!verdict) {
    return;
  }
  try {
    const r = await client.sendRequest(FeedbackRequest, {
      uri: finding.uri.toString(), ruleId: finding.ruleId, fingerprint: finding.fingerprint, verdict,
    });
    void vscode.window.showInformationMessage(
      `Codie: ${verdict} recorded for ${finding.ruleId}; estimated precision now ${Math.round((r?.precision ?? 0) * 100)}%.`);
  } catch (error) {
    void vscode.window.showWarningMessage(isMethodNotFound(error)
      ? "Codie: this server takes no feedback (codie/feedback)." : `Codie: feedback failed: ${String(error)}`);
  }
}

async function explainFinding(ruleIdArg?: unknown): Promise<void> {
  if (!client) {
    void vscode.window.showWarningMessage("Codie: the server is not running.");
    return;
  }
  let target: { ruleId: string; range?: vscode.Range; uri?: vscode.Uri } | undefined =
    typeof ruleIdArg === "string" ? { ruleId: ruleIdArg } : undefined;
  if (!target) {
    target = await pickFinding();
  }
  if (!target) {
    return;
  }
  const range = target.range ? client.code2ProtocolConverter.asRange(target.range) : undefined;
  let result: ExplainResult | undefined;
  try {
    const uri = target.uri ?? vscode.window.activeTextEditor?.document.uri;
    result = await client.sendRequest(ExplainRequest, { ruleId: target.ruleId, uri: uri?.toString() ?? "", range });
  } catch (error) {
    if (!isMethodNotFound(error)) {
      log.warn(`codie/explain failed, using the rule's documentation: ${String(error)}`);
    }
    try {
      result = await client.sendRequest(ExecuteCommandRequest.type, { command: EXPLAIN_COMMAND, arguments: [target.ruleId] }) as ExplainResult;
    } catch (fallbackError) {
      void vscode.window.showErrorMessage(`Codie: no explanation for ${target.ruleId}: ${String(fallbackError)}. Restart the server (Codie: Restart Server) or see Codie: Show Logs.`);
      return;
    }
  }
  const markdown = result?.markdown ?? (result as { text?: string } | undefined)?.text;
  if (markdown) {
    await showMarkdown(markdown, `Explain ${target.ruleId}`);
  }
}

let awaitingTests = false;

async function runRelatedTests(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const file = editor?.document.uri;
  const commands = client?.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
  if (client && commands.includes(RUN_TESTS_COMMAND)) {
    // The worker runs them in the sandbox; results come back as diagnostics and codie/runtimeResult.
    let r: { started?: boolean; reason?: string } | null;
    try {
      r = await client.sendRequest(ExecuteCommandRequest.type, {
        command: RUN_TESTS_COMMAND, arguments: file?.scheme === "file" ? [file.toString()] : [],
      }) as { started?: boolean; reason?: string } | null;
    } catch (error) {
      void vscode.window.showErrorMessage(`Codie: could not start the tests: ${String(error)}. See Codie: Show Logs.`);
      return;
    }
    awaitingTests = r?.started !== false;
    void vscode.window.showInformationMessage(r?.started === false
      ? `Codie: tests not started: ${r.reason ?? "unknown reason"}`
      : "Codie: related tests started in the sandbox; failures appear as diagnostics.");
    return;
  }
  // Servers without the background worker: run `codie test` for this file in a terminal.
  const terminal = vscode.window.createTerminal({ name: "Codie tests", cwd: vscode.workspace.workspaceFolders?.[0]?.uri });
  terminal.show();
  terminal.sendText(shellLine(cliCommand(launch, "test", file?.scheme === "file" ? [file.fsPath] : [])));
}

async function showHotspots(view: HotspotsProvider): Promise<void> {
  await vscode.commands.executeCommand("codie.hotspots.focus");
  if (!client) {
    view.showMessage("The Codie server is not running.");
    return;
  }
  const editor = vscode.window.activeTextEditor;
  const folder = (editor && vscode.workspace.getWorkspaceFolder(editor.document.uri)) ?? vscode.workspace.workspaceFolders?.[0];
  const root = folder?.uri;
  if (!root) {
    view.showMessage("Open a folder: hotspots rank the files of a workspace folder.");
    return;
  }
  try {
    const result = await client.sendRequest(HotspotsRequest, { folder: root.toString(), top: 30 });
    const groups = hotspotGroups(result);
    if (groups.error) view.showMessage(`Hotspots: ${groups.error}`);
    else view.show(groups.functions, groups.files, root);
  } catch (error) {
    view.showMessage(isMethodNotFound(error) ? "This Codie server has no hotspots (codie/hotspots)." : `Hotspots failed: ${String(error)}`);
  }
}

async function showCallGraph(view: CallGraphProvider): Promise<void> {
  await vscode.commands.executeCommand("codie.callGraph.focus");
  const editor = vscode.window.activeTextEditor;
  if (!client || !editor) {
    view.showMessage(client ? "Open a Python file and put the cursor on a function." : "The Codie server is not running.");
    return;
  }
  const pos = editor.selection.active;
  const word = editor.document.getText(editor.document.getWordRangeAtPosition(pos));
  try {
    const result = await client.sendRequest(CallGraphRequest, {
      textDocument: { uri: editor.document.uri.toString() },
      position: { line: pos.line, character: pos.character },
      depth: 1,
    });
    const graph = neighbourhood(result, word || undefined);
    if (graph) view.show(graph);
    else view.showMessage(result?.error ? `Call graph: ${result.error}` : `No call-graph node at ${word || "the cursor"}.`);
  } catch (error) {
    view.showMessage(isMethodNotFound(error) ? "This Codie server has no call graph (codie/callGraph)." : `Call graph failed: ${String(error)}`);
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  // (The server's own commands, e.g. codie.explain and codie.feedback from code actions,
  // are registered by the language client; the extension's commands never share a name.)
  log = vscode.window.createOutputChannel("Codie", { log: true });
  status = vscode.window.createStatusBarItem("codie.status", vscode.StatusBarAlignment.Left, 50);
  status.name = "Codie";
  status.command = "codie.showLogs";
  status.show();
  const chatView = new ChatViewProvider(context.extensionUri, () => chatClient, async (edit) => {
    if (!client) return false;
    const converted = await client.protocol2CodeConverter.asWorkspaceEdit(edit as Parameters<typeof client.protocol2CodeConverter.asWorkspaceEdit>[0]);
    return converted !== undefined && vscode.workspace.applyEdit(converted);
  });
  const hotspots = new HotspotsProvider();
  const callGraph = new CallGraphProvider();
  context.subscriptions.push(
    log,
    status,
    chatView,
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, chatView, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.window.registerTreeDataProvider("codie.hotspots", hotspots),
    vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, {
      onDidChange: explainChanged.event,
      provideTextDocumentContent: (uri) => explanations.get(uri.toString()) ?? "This explanation is no longer available.",
    }),
    explainChanged,
    vscode.window.registerTreeDataProvider("codie.callGraph", callGraph),
    vscode.commands.registerCommand("codie.restart", () => restart(context)),
    vscode.commands.registerCommand("codie.showLogs", () => log.show()),
    vscode.commands.registerCommand("codie.explainFinding", (ruleId?: unknown) => explainFinding(ruleId)),
    vscode.commands.registerCommand("codie.openChat", () => vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`)),
    vscode.commands.registerCommand("codie.askAboutSelection", async () => {
      const question = await vscode.window.showInputBox({ prompt: "Ask Codie about the selection" });
      if (question) chatView.askFromCommand(question);
    }),
    vscode.commands.registerCommand("codie.giveFeedback", () => feedback()),
    vscode.commands.registerCommand("codie.runRelatedTests", () => runRelatedTests()),
    vscode.commands.registerCommand("codie.showHotspots", () => showHotspots(hotspots)),
    vscode.commands.registerCommand("codie.showCallGraph", () => showCallGraph(callGraph)),
    vscode.languages.onDidChangeDiagnostics(() => updateStatus()),
    // Trust granted while running: tell the server (runtime tests may now run, if opted in).
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      if (client?.isRunning()) {
        await client.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { codie: settingsForServer(config() as unknown as Record<string, unknown>) },
        });
      }
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration("codie")) {
        return;
      }
      if (affectsLaunch((s) => e.affectsConfiguration(s))) {
        log.info("Launch settings changed: restarting the server.");
        await restart(context);
      } else if (client?.isRunning()) {
        await client.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { codie: settingsForServer(config() as unknown as Record<string, unknown>) },
        });
      }
      updateStatus();
    }),
  );
  await startClient(context);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
