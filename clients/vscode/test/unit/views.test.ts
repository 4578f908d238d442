import assert from "node:assert/strict";
import { test } from "node:test";
import * as vscode from "vscode";
import { CallGraphProvider, HotspotsProvider } from "../../src/insightViews";

test("hotspots are ranked rows that open the file at the line", () => {
  const p = new HotspotsProvider();
  let fired = 0;
  p.onDidChangeTreeData(() => { fired += 1; });
  p.show([{ path: "shop/app.py", name: "archive", line: 20, churn: 12, complexity: 7.5, score: 90 }], vscode.Uri.file("/w"));
  const [row] = p.getChildren();
  assert.equal(fired, 1);
  assert.equal(row.label, "1. shop/app.py archive");
  assert.equal(row.description, "score 90 · churn 12 · complexity 7.5");
  assert.equal(row.command?.command, "vscode.open");
  assert.equal((row.command?.arguments?.[0] as vscode.Uri).path, "/w/shop/app.py");
  p.show([], undefined);
  assert.match(String(p.getChildren()[0].label), /No hotspots/);
});

test("the call graph shows callers and callees of the symbol", () => {
  const p = new CallGraphProvider();
  p.show({ symbol: "app.archive", callers: ["app.main"], callees: [] });
  const [root] = p.getChildren();
  assert.equal(root.label, "app.archive");
  const [callers, callees] = p.getChildren(root);
  assert.equal(callers.label, "Callers (1)");
  assert.equal(p.getChildren(callers)[0].label, "app.main");
  assert.equal(callees.label, "Callees (0)");
});
