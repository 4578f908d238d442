import assert from "node:assert/strict";
import { test } from "node:test";
import * as vscode from "vscode";
import { CallGraphProvider, HotspotsProvider } from "../../src/insightViews";

test("hotspots are ranked rows that open the file at the line", () => {
  const p = new HotspotsProvider();
  let fired = 0;
  p.onDidChangeTreeData(() => { fired += 1; });
  p.show([{ path: "shop/app.py", function: "archive", line: 20, commits: 12, complexity: 7.5, score: 90 }],
    [{ path: "shop/app.py", uri: "file:///w/shop/app.py", function: "", line: 0, commits: 12, complexity: 30, score: 360 }], vscode.Uri.file("/w"));
  const [functions, files] = p.getChildren();
  assert.equal(fired, 1);
  assert.equal(functions.label, "Functions (1)");
  const [row] = p.getChildren(functions);
  assert.equal(row.label, "1. archive (shop/app.py:20)");
  assert.equal(row.description, "score 90 · 12 commits · complexity 7.5");
  assert.equal(row.command?.command, "vscode.open");
  assert.equal((row.command?.arguments?.[0] as vscode.Uri).path, "/w/shop/app.py");
  assert.equal((row.command?.arguments?.[1] as { selection: vscode.Range }).selection.start.line, 19);
  assert.equal(p.getChildren(files)[0].label, "1. shop/app.py");
  p.show([], [], undefined);
  assert.match(String(p.getChildren()[0].label), /No hotspots/);
});

test("the call graph shows callers and callees of the symbol", () => {
  const p = new CallGraphProvider();
  const range = { start: { line: 7, character: 4 }, end: { line: 7, character: 8 } };
  p.show({ symbol: "app.archive", callers: [{ id: "app.main", uri: "file:///w/app.py", range }], callees: [{ id: "subprocess.run" }] });
  const [root] = p.getChildren();
  assert.equal(root.label, "app.archive");
  const [callers, callees] = p.getChildren(root);
  assert.equal(callers.label, "Callers (1)");
  const main = p.getChildren(callers)[0];
  assert.equal(main.label, "app.main");
  assert.equal((main.command?.arguments?.[1] as { selection: vscode.Range }).selection.start.line, 7);
  assert.equal(callees.label, "Callees (1)");
  assert.equal(p.getChildren(callees)[0].description, "external");
});
