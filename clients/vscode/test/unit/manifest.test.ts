// package.json is the extension's contract with VS Code: check it against the code.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { RESTRICTED_SETTINGS } from "../../src/launch";

const root = join(__dirname, "..", "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const source = readFileSync(join(root, "src", "extension.ts"), "utf8");

test("every command the extension registers is contributed, and vice versa", () => {
  const registered = [...source.matchAll(/registerCommand\("([^"]+)"/g)].map((m) => m[1]).sort();
  const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(registered, contributed);
  for (const c of ["codie.restart", "codie.showLogs", "codie.explainFinding", "codie.openChat", "codie.runRelatedTests", "codie.showHotspots", "codie.showCallGraph"]) {
    assert.ok(contributed.includes(c), c);
  }
});

test("every setting has a description, and the launch ones are restricted in untrusted workspaces", () => {
  const props = pkg.contributes.configuration.properties as Record<string, { description?: string; markdownDescription?: string }>;
  for (const [key, p] of Object.entries(props)) {
    assert.ok((p.description ?? p.markdownDescription ?? "").length > 20, `${key} needs a description`);
  }
  for (const key of ["codie.minConfidence", "codie.select", "codie.ignore", "codie.llm.provider", "codie.llm.endpoint", "codie.sandbox.backend", "codie.path", "codie.interpreter"]) {
    assert.ok(key in props, key);
  }
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, "limited");
  assert.deepEqual([...pkg.capabilities.untrustedWorkspaces.restrictedConfigurations].sort(), [...RESTRICTED_SETTINGS].sort());
  // running the workspace's code is opt-in
  assert.equal(props["codie.runtime.onSave"] && (props["codie.runtime.onSave"] as { default?: unknown }).default, false);
});

test("@types/vscode matches the engines minimum (vsce refuses otherwise)", () => {
  assert.equal(pkg.devDependencies["@types/vscode"], pkg.engines.vscode.replace("^", ""));
});

test("no contributed command takes a name the Codie server registers", () => {
  // The language client registers the server's executeCommand commands in VS Code.
  const serverCommands = ["codie.explain", "codie.askWhy", "codie.proposeFix", "codie.feedback", "codie.runTests", "codie.functionMetrics", "codie.snyk.run"];
  const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command);
  assert.deepEqual(contributed.filter((c: string) => serverCommands.includes(c)), []);
});

test("views and their container are declared", () => {
  const views = pkg.contributes.views.codie.map((v: { id: string }) => v.id);
  assert.deepEqual(views, ["codie.chat", "codie.hotspots", "codie.callGraph"]);
  assert.equal(pkg.contributes.views.codie[0].type, "webview");
});
