// The chat panel's host side, with the vscode stub: questions go to codie/chat with the
// active file and selection, chunks reach the webview by chatId, Cancel cancels, and code
// blocks are read-only excerpts; only verified fixes are applied, to their document version.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as vscode from "vscode";
import { ChatClient } from "../../src/chat";
import { ChatViewProvider, staleReason } from "../../src/chatView";
import { answerHtml } from "../../src/markdown";
import type { ToHost, ToWebview } from "../../src/webview/messages";
import { FakeEndpoint } from "./fakeEndpoint";

interface FakeView {
  posted: ToWebview[];
  send(m: ToHost): void;
  view: vscode.WebviewView;
}

function fakeView(): FakeView {
  let receive: (m: ToHost) => void = () => undefined;
  const posted: ToWebview[] = [];
  const webview = {
    options: {},
    html: "",
    cspSource: "vscode-webview:",
    asWebviewUri: (u: vscode.Uri) => u,
    postMessage: async (m: ToWebview) => { posted.push(m); return true; },
    onDidReceiveMessage: (l: (m: ToHost) => void) => { receive = l; return { dispose() {} }; },
  };
  const view = { webview, onDidDispose: () => ({ dispose() {} }), show: () => undefined } as unknown as vscode.WebviewView;
  return { posted, send: (m) => receive(m), view };
}

function fakeEditor(text: string[], selection: vscode.Selection) {
  const edits: Array<{ range: vscode.Range; text: string }> = [];
  const editor = {
    document: { uri: vscode.Uri.file("/w/app.py"), lineCount: text.length },
    selection,
    edits,
    edit: async (cb: (b: { replace(r: vscode.Range, t: string): void }) => void) => {
      cb({ replace: (range, t) => edits.push({ range, text: t }) });
      return true;
    },
  };
  return editor;
}

const tick = () => new Promise((r) => setImmediate(r));

test("a question streams into the webview and the answer's code can be applied", async () => {
  const ep = new FakeEndpoint();
  const chat = new ChatClient(ep);
  const provider = new ChatViewProvider(vscode.Uri.file("/ext"), () => chat);
  const v = fakeView();
  provider.resolveWebviewView(v.view);
  assert.match(v.view.webview.html, /Content-Security-Policy/);
  assert.match(v.view.webview.html, /\/ext\/dist\/webview\.js/);

  const editor = fakeEditor(["x = eval(s)"], new vscode.Selection(new vscode.Position(0, 4), new vscode.Position(0, 11)));
  (vscode.window as { activeTextEditor: unknown }).activeTextEditor = editor;
  const stubLanguages = (vscode as unknown as { languages: { diagnostics: Map<string, unknown[]> } }).languages;
  stubLanguages.diagnostics.set("file:///w/app.py", [
    { source: "codie", code: "SEC001", message: "eval (70% confidence)", range: new vscode.Range(0, 4, 0, 11), data: { ruleId: "SEC001", confidence: 0.7 } },
    { source: "codie", code: "Q001", message: "far away", range: new vscode.Range(9, 0, 9, 5), data: { ruleId: "Q001", confidence: 0.9 } },
    { source: "pylint", code: "W1", message: "other tool", range: new vscode.Range(0, 0, 0, 1) },
  ]);
  v.send({ type: "ask", message: "make it safe" });
  const sent = ep.sent[0];
  assert.equal(sent.method, "codie/chat");
  const params = sent.params as { chatId: string; uri: string; range: unknown; message: string };
  assert.equal(params.uri, "file:///w/app.py");
  assert.deepEqual(params.range, { start: { line: 0, character: 4 }, end: { line: 0, character: 11 } });
  // The findings on the selected lines go along as context; other lines and tools do not.
  assert.deepEqual((params as unknown as { findings: unknown }).findings, [{
    ruleId: "SEC001", message: "eval (70% confidence)", confidence: 0.7,
    range: { start: { line: 0, character: 4 }, end: { line: 0, character: 11 } },
  }]);
  assert.deepEqual(v.posted[0], { type: "start", chatId: params.chatId, message: "make it safe", context: "app.py:1-1" });

  ep.notify("codie/chatChunk", { chatId: params.chatId, delta: "```python\n" });
  ep.notify("codie/chatChunk", { chatId: params.chatId, delta: "ast.literal_eval(s)\n```" });
  assert.deepEqual(v.posted.slice(1).map((m) => m.type), ["chunk", "chunk"]);
  assert.equal((v.posted[2] as { text: string }).text, "```python\nast.literal_eval(s)\n```");
  // A second question while one is pending is ignored (Send is disabled meanwhile).
  v.send({ type: "ask", message: "again" });
  assert.equal(ep.sent.length, 1);

  sent.resolve({ chatId: params.chatId, text: "```python\nast.literal_eval(s)\n```", done: true });
  await tick();
  const done = v.posted.at(-1) as Extract<ToWebview, { type: "done" }>;
  assert.equal(done.type, "done");
  assert.equal(done.status, "done");
  assert.equal(done.fixes, undefined); // an answer without verified fixes has nothing to apply
  // The excerpt in the answer is read-only: Copy, never Apply or Insert.
  const html = answerHtml(done.text, false, done.fixes);
  assert.match(html, /data-act="copy"/);
  assert.doesNotMatch(html, /Apply|Insert/);
  assert.equal(editor.edits.length, 0);
});

const EDIT = {
  documentChanges: [{
    textDocument: { uri: "file:///w/app.py", version: 3 },
    edits: [{ range: { start: { line: 3, character: 10 }, end: { line: 3, character: 10 } }, newText: " Exception" }],
  }],
};
const FIX = { uri: "file:///w/app.py", version: 3, ruleId: "Q001", fingerprint: "fp", diff: "-    except:\n+    except Exception:", edit: EDIT };

async function answeredWithFix(documentVersion: number) {
  const ep = new FakeEndpoint();
  const chat = new ChatClient(ep);
  const applied: unknown[] = [];
  const provider = new ChatViewProvider(vscode.Uri.file("/ext"), () => chat, async (e) => { applied.push(e); return true; });
  const v = fakeView();
  provider.resolveWebviewView(v.view);
  (vscode.window as { activeTextEditor: unknown }).activeTextEditor = undefined;
  (vscode.workspace as unknown as { textDocuments: unknown[] }).textDocuments = [
    { uri: vscode.Uri.parse("file:///w/app.py"), version: documentVersion },
  ];
  v.send({ type: "ask", message: "fix it" });
  const sent = ep.sent[0];
  const chatId = (sent.params as { chatId: string }).chatId;
  sent.resolve({ chatId, text: "Here is the excerpt:\n```python\n4 |     except:\n```", done: true, fixes: [FIX] });
  await tick();
  const done = v.posted.at(-1) as Extract<ToWebview, { type: "done" }>;
  return { v, applied, chatId, done };
}

test("Apply in the chat applies exactly the verified diff's edit", async () => {
  const { v, applied, chatId, done } = await answeredWithFix(3);
  assert.deepEqual(done.fixes, [{ ruleId: "Q001", version: 3, diff: FIX.diff, file: "app.py" }]);
  const html = answerHtml(done.text, false, done.fixes);
  assert.equal((html.match(/data-act="applyFix"/g) ?? []).length, 1); // only the fix has Apply
  assert.match(html, /<span class="add">\+    except Exception:<\/span>/);
  v.send({ type: "applyFix", chatId, index: 0 });
  await tick();
  assert.deepEqual(applied, [EDIT]);
});

test("a fix for an older version of the document is refused with a message", async () => {
  const { v, applied, chatId } = await answeredWithFix(4);
  const shown = (vscode.window as unknown as { shown: unknown[] }).shown;
  const before = shown.length;
  v.send({ type: "applyFix", chatId, index: 0 });
  await tick();
  assert.deepEqual(applied, []);
  assert.match(String(shown.slice(before).at(-1)), /changed since this fix was verified.*nothing was applied/);
  assert.equal(v.posted.at(-1)?.type, "notice");
});

test("staleReason: same version passes, another version or a closed file is refused", () => {
  assert.equal(staleReason(FIX, { version: 3 }, "app.py"), undefined);
  assert.match(String(staleReason(FIX, { version: 5 }, "app.py")), /version 3, now 5/);
  assert.match(String(staleReason(FIX, undefined, "app.py")), /not open/);
});

test("Cancel in the webview cancels the request", async () => {
  const ep = new FakeEndpoint();
  const chat = new ChatClient(ep);
  const provider = new ChatViewProvider(vscode.Uri.file("/ext"), () => chat);
  const v = fakeView();
  provider.resolveWebviewView(v.view);
  (vscode.window as { activeTextEditor: unknown }).activeTextEditor = undefined;
  v.send({ type: "ask", message: "long question" });
  const chatId = (ep.sent[0].params as { chatId: string }).chatId;
  v.send({ type: "cancel", chatId });
  await tick();
  await tick();
  assert.equal(ep.sent[0].token?.isCancellationRequested, true);
  const done = v.posted.at(-1) as Extract<ToWebview, { type: "done" }>;
  assert.equal(done.status, "cancelled");
});

test("without a running server the panel explains what to do", () => {
  const provider = new ChatViewProvider(vscode.Uri.file("/ext"), () => undefined);
  const v = fakeView();
  provider.resolveWebviewView(v.view);
  v.send({ type: "ask", message: "hi" });
  assert.equal(v.posted[0].type, "notice");
  assert.match((v.posted[0] as { text: string }).text, /not running/);
});
