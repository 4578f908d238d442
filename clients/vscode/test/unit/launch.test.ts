import assert from "node:assert/strict";
import { test } from "node:test";
import { affectsLaunch, backendText, cliCommand, serverEnv, serverCommandsToRegister, shellLine, countDiagnostics, expand, resolveLaunch, serverSettings, statusText, statusTooltip, withWorkspaceTrust } from "../../src/launch";

const none = { serverCommand: [], path: "", interpreter: [], args: [] };

test("launch falls back to python3 -m codie serve", () => {
  assert.deepEqual(resolveLaunch(none, undefined), { command: "python3", args: ["-m", "codie", "serve"], source: "default" });
});

test("the Python extension's interpreter comes before the default", () => {
  const l = resolveLaunch(none, ["/venv/bin/python", "-X", "utf8"]);
  assert.equal(l.source, "python-extension");
  assert.deepEqual([l.command, ...l.args], ["/venv/bin/python", "-X", "utf8", "-m", "codie", "serve"]);
});

test("codie.interpreter wins over the Python extension, codie.path over both, serverCommand over all", () => {
  const py = ["/ext/python"];
  assert.equal(resolveLaunch({ ...none, interpreter: ["/my/python"] }, py).command, "/my/python");
  const p = resolveLaunch({ ...none, interpreter: ["/my/python"], path: "~/bin/codie" }, py, { userHome: "/home/u" });
  assert.deepEqual([p.command, ...p.args], ["/home/u/bin/codie", "serve"]);
  const s = resolveLaunch({ serverCommand: ["${workspaceFolder}/.venv/bin/codie", "serve"], path: "x", interpreter: ["y"], args: ["--log-level", "debug"] }, py, { workspaceFolder: "/w" });
  assert.deepEqual([s.command, ...s.args], ["/w/.venv/bin/codie", "serve", "--log-level", "debug"]);
  assert.equal(s.source, "serverCommand");
});

test("blank settings are treated as unset", () => {
  assert.equal(resolveLaunch({ serverCommand: [""], path: "  ", interpreter: [""], args: [] }, undefined).source, "default");
});

test("expand substitutes variables and leaves unknown ones", () => {
  assert.equal(expand("${env:HOME_X}/a", { env: { HOME_X: "/h" } }), "/h/a");
  assert.equal(expand("${workspaceFolder}/a", {}), "${workspaceFolder}/a");
  assert.equal(expand("~", { userHome: "/u" }), "/u");
});

test("only launch settings (and the sandbox backend, read at start) restart the server", () => {
  assert.equal(affectsLaunch((s) => s === "codie.interpreter"), true);
  assert.equal(affectsLaunch((s) => s === "codie.sandbox.backend"), true);
  assert.equal(affectsLaunch((s) => s === "codie.minConfidence"), false);
});

test("server settings drop client-only keys and empty table values", () => {
  const out = serverSettings({
    path: "/x", serverCommand: ["a"], interpreter: [], args: [], trace: { server: "off" },
    minConfidence: 0.5, select: ["SEC"], ignore: [],
    llm: { provider: "ollama", endpoint: "", model: "" }, sandbox: { backend: "process" },
    get: () => 1,
  });
  assert.deepEqual(out, { minConfidence: 0.5, select: ["SEC"], ignore: [], llm: { provider: "ollama" }, sandbox: { backend: "process" } });
});

test("the workspace's trust goes to the server with the settings", () => {
  const settings = serverSettings({ runtime: { onSave: true }, select: ["SEC"] });
  assert.deepEqual(withWorkspaceTrust(settings, false), { runtime: { onSave: true }, select: ["SEC"], workspace: { trusted: false } });
  assert.deepEqual(withWorkspaceTrust({ workspace: { trusted: false, other: 1 } }, true), { workspace: { trusted: true, other: 1 } });
  assert.deepEqual(withWorkspaceTrust({ workspace: "bad" }, false), { workspace: { trusted: false } });
});

test("status shows state and counts of codie diagnostics only", () => {
  const counts = countDiagnostics([
    { source: "codie", severity: 0 }, { source: "codie", severity: 1 }, { source: "codie", severity: 1 },
    { source: "codie", severity: 3 }, { source: "pylint", severity: 0 },
  ]);
  assert.deepEqual(counts, { errors: 1, warnings: 2, infos: 1 });
  assert.equal(statusText("running", counts), "$(check) Codie $(error) 1 $(warning) 2");
  assert.match(statusText("failed", counts), /error/);
  const tip = statusTooltip("running", { command: "python3", args: ["-m", "codie", "serve"], source: "default" }, "process");
  assert.match(tip, /python3 -m codie serve \(from default\)/);
  assert.match(tip, /Sandbox backend: process/);
});

test("server commands that the extension contributes are not registered twice", () => {
  const own = new Set(["codie.restart", "codie.runRelatedTests"]);
  assert.deepEqual(serverCommandsToRegister(["codie.explain", "codie.feedback", "codie.runRelatedTests"], own),
    { register: ["codie.explain", "codie.feedback"], clashes: ["codie.runRelatedTests"] });
  assert.deepEqual(serverCommandsToRegister(undefined, own), { register: [], clashes: [] });
});

test("Run Related Tests uses the CLI of the running server", () => {
  const venv = { command: "/v/bin/python", args: ["-m", "codie", "serve", "--x"], source: "interpreter" as const };
  assert.deepEqual(cliCommand(venv, "test", ["/w/a.py"]), ["/v/bin/python", "-m", "codie", "test", "/w/a.py"]);
  assert.deepEqual(cliCommand({ command: "/bin/codie", args: ["serve"], source: "path" }, "test", []), ["/bin/codie", "test"]);
  assert.deepEqual(cliCommand({ command: "my-wrapper", args: [], source: "serverCommand" }, "test", ["a.py"]), ["python3", "-m", "codie", "test", "a.py"]);
  assert.equal(shellLine(["/v/bin/python", "-m", "codie", "test", "/w/my file's.py"]), "/v/bin/python -m codie test '/w/my file'\\''s.py'");
});

test("the sandbox backend reaches the server as CODIE_SANDBOX; the reported one wins in the status", () => {
  assert.equal(serverEnv({ PATH: "/bin" }, "docker").CODIE_SANDBOX, "docker");
  assert.equal("CODIE_SANDBOX" in serverEnv({ PATH: "/bin" }, "auto"), false);
  assert.equal(backendText({ configured: "auto" }), "auto (configured)");
  assert.equal(backendText({ configured: "auto", reported: "process", why: "no container engine answered" }), "process (no container engine answered)");
  assert.equal(backendText({}), undefined);
});
