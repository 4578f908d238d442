/** The chat panel: a webview view that forwards questions to codie/chat and streams answers. */
import * as vscode from "vscode";
import { ChatClient, PendingChat } from "./chat";
import type { ChatFix, FindingRef } from "./protocol";
import { chatHtml, nonce } from "./webview/html";
import type { ToHost, ToWebview } from "./webview/messages";

export const CHAT_VIEW_ID = "codie.chat";

/** Codie's findings on the selected lines (or the cursor line), as chat context. */
function findingsIn(uri: vscode.Uri, selection: vscode.Range): FindingRef[] | undefined {
  const diagnostics = vscode.languages?.getDiagnostics?.(uri) ?? [];
  const refs = diagnostics
    .filter((d) => d.source === "codie" && d.range.start.line <= selection.end.line && d.range.end.line >= selection.start.line)
    .map((d): FindingRef => {
      const data = (d as unknown as { data?: { ruleId?: string; confidence?: number } }).data;
      return {
        ruleId: String(data?.ruleId ?? (typeof d.code === "object" ? d.code.value : d.code)),
        message: d.message,
        range: { start: { line: d.range.start.line, character: d.range.start.character }, end: { line: d.range.end.line, character: d.range.end.character } },
        confidence: data?.confidence,
      };
    });
  return refs.length > 0 ? refs : undefined;
}

/** Applies an LSP WorkspaceEdit (the extension converts it with the language client). */
export type EditApplier = (edit: unknown) => Promise<boolean>;

/** Why a verified fix cannot be applied to the document as it is now, or undefined. */
export function staleReason(fix: ChatFix, document: { version: number } | undefined, file: string): string | undefined {
  if (document === undefined) {
    return `Codie: ${file} is not open any more; open it and ask again for a fix.`;
  }
  if (fix.version !== null && document.version !== fix.version) {
    return `Codie: ${file} changed since this fix was verified (version ${fix.version}, now ${document.version}); `
      + "nothing was applied. Ask again, or use \"Propose a verified fix\", for a fix of the current text.";
  }
  return undefined;
}

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private pending: PendingChat | undefined;
  private queued: string[] = [];
  /** The verified fixes of each answer, by chatId (the webview sees only their diffs). */
  private readonly fixes = new Map<string, ChatFix[]>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly chatClient: () => ChatClient | undefined,
    private readonly applyEdit: EditApplier = async () => false,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const dist = vscode.Uri.joinPath(this.extensionUri, "dist");
    const media = vscode.Uri.joinPath(this.extensionUri, "media");
    view.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    view.webview.html = chatHtml({
      cspSource: view.webview.cspSource,
      nonce: nonce(),
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, "webview.js")).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(media, "chat.css")).toString(),
    });
    view.webview.onDidReceiveMessage((m: ToHost) => this.onMessage(m));
    view.onDidDispose(() => { this.view = undefined; });
  }

  private post(message: ToWebview): void {
    void this.view?.webview.postMessage(message);
  }

  private onMessage(message: ToHost): void {
    switch (message.type) {
      case "ready":
        for (const q of this.queued.splice(0)) {
          this.ask(q);
        }
        break;
      case "ask":
        this.ask(message.message);
        break;
      case "cancel":
        if (this.pending?.chatId === message.chatId) {
          this.pending.cancel();
        }
        break;
      case "applyFix":
        void this.applyFix(message.chatId, message.index);
        break;
    }
  }

  /** Ask from a command (e.g. with a question prefilled); opens the panel if needed. */
  askFromCommand(message: string): void {
    if (this.view === undefined) {
      this.queued.push(message);
      void vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
      return;
    }
    this.view.show?.(true);
    this.ask(message);
  }

  private ask(message: string): void {
    const client = this.chatClient();
    if (client === undefined) {
      this.post({ type: "notice", text: "The Codie server is not running. Run **Codie: Restart Server** and look at **Codie: Show Logs**." });
      return;
    }
    if (this.pending !== undefined) {
      return; // one answer at a time; the webview disables Send meanwhile
    }
    const editor = vscode.window.activeTextEditor;
    let context: string | undefined;
    if (editor && editor.document.uri.scheme !== "output") {
      const range = editor.selection.isEmpty ? undefined : new vscode.Range(editor.selection.start, editor.selection.end);
      context = `${vscode.workspace.asRelativePath(editor.document.uri)}${range ? `:${range.start.line + 1}-${range.end.line + 1}` : ""}`;
    }
    const pending = client.ask(
      {
        message,
        uri: editor?.document.uri.toString(),
        range: editor && !editor.selection.isEmpty ? {
          start: { line: editor.selection.start.line, character: editor.selection.start.character },
          end: { line: editor.selection.end.line, character: editor.selection.end.character },
        } : undefined,
        findings: editor ? findingsIn(editor.document.uri, editor.selection) : undefined,
      },
      (_delta, text) => this.post({ type: "chunk", chatId: pending.chatId, text }),
    );
    this.pending = pending;
    this.post({ type: "start", chatId: pending.chatId, message, context });
    void pending.outcome.then((o) => {
      this.pending = undefined;
      const fixes = o.fixes ?? [];
      if (fixes.length > 0) this.fixes.set(o.chatId, fixes);
      this.post({
        type: "done", chatId: o.chatId, text: o.text, status: o.status, error: o.error,
        fixes: fixes.length > 0 ? fixes.map((f) => ({
          ruleId: f.ruleId, version: f.version, diff: f.diff, file: vscode.workspace.asRelativePath(vscode.Uri.parse(f.uri)),
        })) : undefined,
      });
    });
  }

  /** Apply a verified fix, exactly its edit, and only to the document version it was verified on. */
  private async applyFix(chatId: string, index: number): Promise<void> {
    const fix = this.fixes.get(chatId)?.[index];
    if (fix === undefined) {
      return;
    }
    const file = vscode.workspace.asRelativePath(vscode.Uri.parse(fix.uri));
    const document = vscode.workspace.textDocuments?.find((d) => d.uri.toString() === fix.uri);
    const stale = staleReason(fix, document, file);
    if (stale !== undefined) {
      void vscode.window.showWarningMessage(stale);
      this.post({ type: "notice", text: stale.replace(/^Codie: /, "") });
      return;
    }
    const ok = await this.applyEdit(fix.edit);
    if (!ok) {
      const text = `Codie: VS Code refused the fix for ${file} (the file changed meanwhile?); nothing was applied. Ask again.`;
      void vscode.window.showWarningMessage(text);
      this.post({ type: "notice", text: text.replace(/^Codie: /, "") });
    }
  }

  dispose(): void {
    this.pending?.cancel();
  }
}
