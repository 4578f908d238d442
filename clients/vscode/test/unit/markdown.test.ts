import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeHtml, inlineHtml, splitAnswer } from "../../src/markdown";
import { chatHtml, contentSecurityPolicy, nonce } from "../../src/webview/html";

test("answers split into text and closed code blocks", () => {
  const parts = splitAnswer("Use literal_eval:\n```python\nimport ast\nast.literal_eval(x)\n```\nDone.");
  assert.deepEqual(parts, [
    { kind: "text", text: "Use literal_eval:" },
    { kind: "code", language: "python", code: "import ast\nast.literal_eval(x)", closed: true },
    { kind: "text", text: "Done." },
  ]);
});

test("a code block still streaming is shown open", () => {
  const parts = splitAnswer("Try:\n```py\nx = 1");
  assert.deepEqual(parts[1], { kind: "code", language: "py", code: "x = 1", closed: false });
});

test("chat text is escaped before inline markup", () => {
  assert.equal(escapeHtml(`<img src=x onerror="a">`), "&lt;img src=x onerror=&quot;a&quot;&gt;");
  assert.equal(inlineHtml("use `eval` <b>\n**never**"), "use <code>eval</code> &lt;b&gt;<br><strong>never</strong>");
  assert.equal(inlineHtml("### SEC001: <x>\nbody"), '<strong class="heading">SEC001: &lt;x&gt;</strong><br>body');
});

test("emphasis, lists and links render; no literal underscores, snake_case in code kept", () => {
  assert.equal(inlineHtml("_Data: OSV._"), "<em>Data: OSV.</em>");
  assert.equal(inlineHtml("a *b* c"), "a <em>b</em> c");
  assert.equal(inlineHtml("keep `my_var_name` and snake_case_words"), "keep <code>my_var_name</code> and snake_case_words");
  assert.equal(inlineHtml("- one\n- two"), "• one<br>• two");
  assert.equal(inlineHtml("[GHSA-1](https://osv.dev/GHSA-1)"), '<a href="https://osv.dev/GHSA-1">GHSA-1</a>');
  assert.equal(inlineHtml("[x](javascript:alert(1))"), "[x](javascript:alert(1))");
});

test("the webview CSP allows only our nonce script and stylesheet", () => {
  const n = nonce();
  assert.match(n, /^[A-Za-z0-9]{32}$/);
  const csp = contentSecurityPolicy("vscode-resource:", n);
  assert.match(csp, /^default-src 'none'/);
  assert.match(csp, new RegExp(`script-src 'nonce-${n}'`));
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const html = chatHtml({ cspSource: "vscode-resource:", nonce: n, scriptUri: "s.js", styleUri: "c.css" });
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.equal(scripts.length, 1);
  assert.ok(scripts[0].includes(`nonce="${n}"`));
});
