// Drives the REAL Codie server (`python -m codie serve` from the repo's .venv, or
// $CODIE_SERVER_CMD) over stdio with vscode-jsonrpc, through the same protocol and chat
// modules the extension uses.
import assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { MessageConnection, StreamMessageReader, StreamMessageWriter, createMessageConnection } from "vscode-jsonrpc/node";
import {
  CodeAction,
  CodeActionRequest,
  Diagnostic,
  DidChangeConfigurationNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  TextEdit,
  ExecuteCommandRequest,
  ExitNotification,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  ShutdownRequest,
} from "vscode-languageserver-protocol";
import { ChatClient } from "../../src/chat";
import { serverSettings } from "../../src/launch";
import { CallGraphRequest, ChatFix, EXPLAIN_COMMAND, PROPOSE_FIX_COMMAND, ProposeFixResult, proposeFixMessage, ExplainResult, HotspotsRequest, RUN_TESTS_COMMAND, RuntimeResultNotification, RuntimeResultParams, hotspotGroups, isMethodNotFound, neighbourhood } from "../../src/protocol";

const repo = resolve(__dirname, "..", "..", "..", "..", "..");
const python = process.env.CODIE_PYTHON ?? join(repo, ".venv", "bin", "python");
const command = process.env.CODIE_SERVER_CMD?.split(" ") ?? [python, "-m", "codie", "serve"];

const SOURCE = [
  "import subprocess",
  "",
  "",
  "def apply_discount(expression):",
  "    return eval(expression)",
  "",
  "",
  "def load(path):",
  "    try:",
  "        return open(path).read()",
  "    except:",
  "        return None",
  "",
  "",
  "def checkout(basket):",
  "    return apply_discount(input(basket))",
  "",
].join("\n");

let server: ChildProcess;
let serverCommands: string[] = [];
const runtimeResults: RuntimeResultParams[] = [];
let conn: MessageConnection;
let workdir: string;
let uri: string;
let clientSettings: Record<string, unknown> = { minConfidence: 0.3, path: "/client/only", interpreter: [] };
const published: PublishDiagnosticsParams[] = [];
let stderr = "";

// A generous safety net: the machine running the tests may be very busy.
function waitFor<T>(what: string, probe: () => T | undefined, ms = 60000): Promise<T> {
  return new Promise((ok, fail) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const v = probe();
      if (v !== undefined) {
        clearInterval(timer);
        ok(v);
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        fail(new Error(`timed out waiting for ${what}; server stderr:\n${stderr.slice(-2000)}`));
      }
    }, 25);
  });
}

before(async () => {
  assert.ok(existsSync(command[0]) || !command[0].includes("/"), `no interpreter at ${command[0]}: run \`make venv\``);
  workdir = mkdtempSync(join(tmpdir(), "codie-it-"));
  const file = join(workdir, "shop.py");
  writeFileSync(file, SOURCE);
  // A git repository with one commit, so that hotspots have churn to rank.
  const git = (...a: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...a], { cwd: workdir, stdio: "ignore" });
  git("init", "-q");
  writeFileSync(join(workdir, "test_shop.py"), "from shop import checkout\n\n\ndef test_checkout(monkeypatch):\n    monkeypatch.setattr('builtins.input', lambda prompt='': prompt)\n    assert checkout('2') == 2\n");
  git("add", "shop.py", "test_shop.py");
  git("commit", "-q", "-m", "shop");
  uri = pathToFileURL(file).toString();
  server = spawn(command[0], command.slice(1), { cwd: workdir, stdio: ["pipe", "pipe", "pipe"] });
  server.stderr?.on("data", (d) => { stderr += String(d); });
  conn = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  conn.onRequest("window/workDoneProgress/create", () => null);
  conn.onRequest("client/registerCapability", () => null);
  // Answer as the extension's middleware does: only the server's own keys.
  conn.onRequest("workspace/configuration", (p: { items: Array<{ section?: string }> }) =>
    p.items.map((i) => i.section === "codie" ? serverSettings(clientSettings) : {}));
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => { published.push(p); });
  conn.onNotification(RuntimeResultNotification, (p) => { runtimeResults.push(p); });
  conn.listen();
  const init = await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(workdir).toString(),
    workspaceFolders: [{ uri: pathToFileURL(workdir).toString(), name: "w" }],
    initializationOptions: serverSettings(clientSettings),
    capabilities: {
      workspace: { configuration: true, workspaceFolders: true },
      textDocument: {
        publishDiagnostics: { relatedInformation: true },
        hover: { contentFormat: ["markdown", "plaintext"] },
        codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ["quickfix", "source"] } } },
      },
    },
  });
  assert.equal(init.serverInfo?.name, "codie");
  serverCommands = init.capabilities.executeCommandProvider?.commands ?? [];
  await conn.sendNotification(InitializedNotification.type, {});
  await conn.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: "python", version: 1, text: SOURCE },
  });
});

after(async () => {
  try {
    await conn.sendRequest(ShutdownRequest.type);
    await conn.sendNotification(ExitNotification.type);
  } catch {
    // already gone
  }
  conn?.dispose();
  server?.kill();
  rmSync(workdir, { recursive: true, force: true });
});

function latest(): Diagnostic[] | undefined {
  const mine = published.filter((p) => p.uri === uri && p.diagnostics.length > 0);
  return mine.at(-1)?.diagnostics;
}

function byRule(diags: Diagnostic[], rule: string): Diagnostic {
  const d = diags.find((x) => x.code === rule);
  assert.ok(d, `no ${rule} among ${diags.map((x) => x.code).join(", ")}`);
  return d;
}


/** A feature the server lacks: skipped when testing against an older server, a failure in
 * this repository's own runs (CODIE_REQUIRE_FEATURES=1, set by `make test-vscode`). */
function unsupported(t: { skip: (message: string) => void }, message: string): void {
  if (process.env.CODIE_REQUIRE_FEATURES === "1") assert.fail(message);
  t.skip(message);
}

test("diagnostics arrive with the confidence leading the text and in data", async () => {
  const diags = await waitFor("diagnostics", latest);
  const sec = byRule(diags, "SEC001");
  assert.equal(sec.source, "codie");
  assert.equal(sec.range.start.line, 4);
  // A prefix, so that a long message cut off in the Problems panel still shows it.
  const confidence = (sec.data as { confidence: number }).confidence;
  assert.ok(confidence > 0 && confidence <= 1);
  assert.ok(sec.message.startsWith(`[${Math.round(confidence * 100)}%] `), sec.message);
  byRule(diags, "Q001");
});

test("the quick fix for eval edits the file; suppress and explain are offered", async () => {
  const sec = byRule(await waitFor("diagnostics", latest), "SEC001");
  const actions = (await conn.sendRequest(CodeActionRequest.type, {
    textDocument: { uri }, range: sec.range, context: { diagnostics: [sec], only: ["quickfix"] },
  })) as CodeAction[];
  const titles = actions.map((a) => a.title);
  const fix = actions.find((a) => a.title.includes("ast.literal_eval"));
  assert.ok(fix, `no literal_eval fix among ${titles.join(" | ")}`);
  const edits = fix.edit?.documentChanges?.flatMap((c) => ("edits" in c ? c.edits : []));
  assert.ok(edits?.some((e) => e.newText === "ast.literal_eval"));
  assert.ok(titles.includes("Suppress SEC001 on this line"));
  const explain = actions.find((a) => a.command?.command === EXPLAIN_COMMAND);
  assert.ok(explain, "no Explain action");
  const result = (await conn.sendRequest(ExecuteCommandRequest.type, {
    command: EXPLAIN_COMMAND, arguments: explain.command?.arguments,
  })) as ExplainResult;
  assert.equal(result.ruleId, "SEC001");
  assert.match(result.markdown, /eval/);
});

test("hover over the finding explains it with its confidence", async () => {
  const sec = byRule(await waitFor("diagnostics", latest), "SEC001");
  const hover = await conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: sec.range.start });
  const text = (hover?.contents as { value: string }).value;
  assert.match(text, /SEC001/);
  // Why first (not the message again), then the fix, then the confidence in words.
  assert.ok(!text.includes(sec.message.replace(/^\[\d+%\] /, "")), text);
  const fix = text.indexOf("**Fix:**");
  const sure = text.search(/\*\*Confidence \d+%\*\*: this rule is right about \d+ times? in \d+/);
  assert.ok(fix > 0 && sure > fix, text);
});

test("a higher minConfidence from the client settings hides findings", async () => {
  const before = (await waitFor("diagnostics", latest)).length;
  const count = published.length;
  clientSettings = { ...clientSettings, minConfidence: 0.99 };
  await conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { codie: serverSettings(clientSettings) } });
  try {
    // A publish already on its way (a background re-analysis) may still carry the old
    // setting: wait for the one that reflects it (a server that never hides times out).
    const after = await waitFor("diagnostics republished with the new minConfidence", () => {
      const p = published.slice(count).filter((x) => x.uri === uri).at(-1);
      return p && p.diagnostics.length < before ? p.diagnostics : undefined;
    });
    assert.ok(after.every((d) => (d.data as { confidence: number }).confidence >= 0.99), JSON.stringify(after));
  } finally {
    clientSettings = { ...clientSettings, minConfidence: 0.3 };
    await conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { codie: serverSettings(clientSettings) } });
  }
});

test("codie/chat streams an answer in codie/chatChunk notifications", async (t) => {
  const chat = new ChatClient(conn);
  const deltas: string[] = [];
  const pending = chat.ask({
    message: "Why is eval dangerous here and how do I fix it?",
    uri,
    range: { start: { line: 4, character: 11 }, end: { line: 4, character: 27 } },
  }, (d) => deltas.push(d));
  const outcome = await pending.outcome;
  chat.dispose();
  if (outcome.status === "unsupported") {
    unsupported(t, "codie/chat is not in this server yet (MethodNotFound): the LLM branch (issue 8) provides it");
    return;
  }
  assert.equal(outcome.status, "done", outcome.error);
  assert.ok(deltas.length > 0, "no codie/chatChunk notification arrived");
  assert.ok(deltas.join("").trim().length > 0, "the chunks carried no text");
  assert.ok(outcome.text.trim().length > 0, "the final answer is empty");
});

test("codie/hotspots and codie/callGraph answer in a shape the views read", async (t) => {
  const missing: string[] = [];
  try {
    const result = await conn.sendRequest(HotspotsRequest, { folder: pathToFileURL(workdir).toString(), textDocument: { uri }, top: 10 });
    const groups = hotspotGroups(result);
    assert.equal(groups.error, undefined, groups.error);
    // The test folder is a git repository with one commit of shop.py.
    assert.ok(groups.files.some((h) => h.path === "shop.py"), JSON.stringify(result));
  } catch (error) {
    if (!isMethodNotFound(error)) throw error;
    missing.push("codie/hotspots");
  }
  try {
    const result = await conn.sendRequest(CallGraphRequest, { textDocument: { uri }, position: { line: 14, character: 6 }, depth: 1 });
    const graph = neighbourhood(result);
    assert.ok(graph, JSON.stringify(result));
    assert.match(graph.symbol, /checkout$/);
    assert.ok(graph.callees.some((c) => /apply_discount$/.test(c.id) && c.uri === uri), JSON.stringify(graph));
  } catch (error) {
    if (!isMethodNotFound(error)) throw error;
    missing.push("codie/callGraph");
  }
  if (missing.length > 0) {
    unsupported(t, `${missing.join(" and ")} not in this server yet (MethodNotFound): the insight branch (issue 5) provides them`);
  }
});

test("Run Related Tests: codie.runTests runs them in the sandbox and reports the backend", async (t) => {
  if (!serverCommands.includes(RUN_TESTS_COMMAND)) {
    unsupported(t, `the server has no ${RUN_TESTS_COMMAND} command yet: the runtime branch (issue 7) provides it`);
    return;
  }
  const testUri = pathToFileURL(join(workdir, "test_shop.py")).toString();
  const started = await conn.sendRequest(ExecuteCommandRequest.type, { command: RUN_TESTS_COMMAND, arguments: [testUri] }) as { started?: boolean; reason?: string };
  assert.equal(started?.started, true, started?.reason);
  const result = await waitFor("codie/runtimeResult", () => runtimeResults.find((r) => r.state === "done" || r.error), 90000);
  t.diagnostic(JSON.stringify(result).slice(0, 300));
  assert.ok(result.backend, JSON.stringify(result));
  assert.ok(result.summary, JSON.stringify(result));
  // the fixture's test answers checkout()'s input(): it passes in the sandbox
  assert.match(String(result.summary), /\b1 passed, 0 failed/, JSON.stringify(result));
});

/** The text after applying LSP edits (non-overlapping, one document) to `text`. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split("\n");
  const offset = (p: { line: number; character: number }) =>
    lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))
    .reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), text);
}

test("requirements.txt: a vulnerable pin is a DEP finding and its quick fix upgrades the pin", async () => {
  const text = "flask==3.0.3\nDjango==1.11  # pinned long ago\n";
  const file = join(workdir, "requirements.txt");
  writeFileSync(file, text);
  const reqUri = pathToFileURL(file).toString();
  // VS Code sends a requirements file as plaintext unless another extension names it.
  await conn.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri: reqUri, languageId: "plaintext", version: 1, text },
  });
  const diags = await waitFor("DEP diagnostics", () =>
    published.filter((p) => p.uri === reqUri && p.diagnostics.some((d) => String(d.code).startsWith("DEP"))).at(-1)?.diagnostics);
  const dep = diags.find((d) => String(d.code).startsWith("DEP"))!;
  assert.equal(dep.range.start.line, 1);
  assert.match(dep.message, /^\[\d+%\] .*Django/);
  const actions = (await conn.sendRequest(CodeActionRequest.type, {
    textDocument: { uri: reqUri }, range: dep.range, context: { diagnostics: [dep], only: ["quickfix"] },
  })) as CodeAction[];
  const upgrade = actions.find((a) => /^Upgrade Django to /.test(a.title));
  assert.ok(upgrade, actions.map((a) => a.title).join(" | "));
  const edits = upgrade.edit?.documentChanges?.flatMap((c) => ("edits" in c ? c.edits : [])) ?? [];
  const fixed = applyEdits(text, edits);
  assert.match(fixed.split("\n")[1], /^Django==\d+\.\d+\.\d+  # pinned long ago$/);
  assert.notEqual(fixed.split("\n")[1], "Django==1.11  # pinned long ago");
  const hover = await conn.sendRequest(HoverRequest.type, { textDocument: { uri: reqUri }, position: { line: 1, character: 2 } });
  const hoverText = (hover?.contents as { value: string }).value;
  assert.match(hoverText, /Django/);
  // Short, with a link to all the advisories (it was ~5,400 characters of advisory text).
  assert.match(hoverText, /\[all advisories for Django\]\(https:\/\/osv\.dev\//);
  assert.ok(hoverText.length < 2500, `${hoverText.length} characters:\n${hoverText}`);
  await conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: reqUri } });
});

test("Propose a verified fix, then Apply from the chat: exactly the verified diff", async () => {
  // (after the minConfidence test, wait for the republished findings to include Q001 again)
  const q = await waitFor("Q001", () => latest()?.find((d) => d.code === "Q001"));
  const ref = { uri, ruleId: "Q001", fingerprint: (q.data as { fingerprint?: string }).fingerprint };
  const proposed = await conn.sendRequest(ExecuteCommandRequest.type, { command: PROPOSE_FIX_COMMAND, arguments: [ref] }) as ProposeFixResult;
  assert.equal(proposed.verified, true, JSON.stringify(proposed));
  assert.equal(proposeFixMessage(proposed, "Q001")[0], "info");
  const chat = new ChatClient(conn);
  const outcome = await chat.ask({ message: "fix the bare except", uri }).outcome;
  chat.dispose();
  assert.equal(outcome.status, "done", outcome.error);
  const fixes: ChatFix[] = outcome.fixes ?? [];
  assert.equal(fixes.length, 1, JSON.stringify(outcome));
  const [fix] = fixes;
  assert.equal(fix.version, 1);
  const change = (fix.edit as { documentChanges: Array<{ textDocument: { uri: string; version: number }; edits: TextEdit[] }> }).documentChanges[0];
  assert.deepEqual(change.textDocument, { uri, version: 1 });
  const applied = applyEdits(SOURCE, change.edits);
  // The diff's removed lines are gone and its added lines are there: the edit IS the diff.
  const removed = fix.diff.split("\n").filter((l) => l.startsWith("-") && !l.startsWith("---")).map((l) => l.slice(1));
  const added = fix.diff.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++")).map((l) => l.slice(1));
  assert.deepEqual(removed, ["    except:"]);
  assert.deepEqual(added, ["    except Exception:"]);
  const before = SOURCE.split("\n");
  const after = applied.split("\n");
  assert.deepEqual(before.filter((l) => !after.includes(l)), removed);
  assert.deepEqual(after.filter((l) => !before.includes(l)), added);
});

test("an offline proposal that fails tells the user what to set", () => {
  const [level, text] = proposeFixMessage({ verified: false, reason: "the answer contains no unified diff", provider: "offline" }, "SEC001");
  assert.equal(level, "warning");
  assert.match(text, /set codie\.llm\.provider/);
});
