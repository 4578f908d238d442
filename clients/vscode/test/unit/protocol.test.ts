import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponseError } from "vscode-languageserver-protocol";
import { ChatChunkNotification, ChatRequest, hotspotGroups, isCancelled, isMethodNotFound, neighbourhood, newChatId } from "../../src/protocol";

test("method names match the server's custom protocol", () => {
  assert.equal(ChatRequest.method, "codie/chat");
  assert.equal(ChatChunkNotification.method, "codie/chatChunk");
});

test("MethodNotFound and cancellation are recognised from errors and plain objects", () => {
  assert.ok(isMethodNotFound(new ResponseError(-32601, "no")));
  assert.ok(isMethodNotFound({ code: -32601 }));
  assert.ok(!isMethodNotFound(new ResponseError(-32603, "internal")));
  assert.ok(isCancelled({ code: -32800 }));
  assert.ok(!isCancelled(new Error("x")));
});

test("hotspot answers give functions and files; errors and junk are handled", () => {
  const r = hotspotGroups({
    root: "file:///w", window: "12 months",
    files: [{ path: "a.py", uri: "file:///w/a.py", function: "", line: 0, commits: 4, complexity: 9, score: 36 }, 7],
    functions: [{ path: "a.py", function: "pay", line: 3, commits: 4, complexity: 5, score: 20 }],
  });
  assert.equal(r.files.length, 1);
  assert.equal(r.functions[0].function, "pay");
  assert.equal(r.error, undefined);
  assert.deepEqual(hotspotGroups({ error: "not a git repository" }), { functions: [], files: [], error: "not a git repository" });
  assert.deepEqual(hotspotGroups([{ path: "b.py" }]).files, [{ path: "b.py" }]);
  assert.deepEqual(hotspotGroups(null), { functions: [], files: [], error: undefined });
});

test("call graph answers reduce to the root's callers and callees, with locations", () => {
  const range = { start: { line: 3, character: 4 }, end: { line: 3, character: 9 } };
  const g = neighbourhood({
    root: "m.f",
    nodes: [{ id: "m.f", name: "f", external: false, uri: "file:///m.py", range },
      { id: "m.main", name: "main", external: false, uri: "file:///m.py", range }, { id: "os.path.join", name: "join", external: true }],
    edges: [{ caller: "m.main", callee: "m.f", sites: [] }, { caller: "m.f", callee: "os.path.join", sites: [] }],
  });
  assert.deepEqual(g, { symbol: "m.f", callers: [{ id: "m.main", uri: "file:///m.py", range }], callees: [{ id: "os.path.join", uri: undefined, range: undefined }] });
  assert.deepEqual(neighbourhood({ symbol: "m.f", callers: ["m.main"], callees: [{ name: "m.g" }] }),
    { symbol: "m.f", callers: [{ id: "m.main" }], callees: [{ id: "m.g" }] });
  assert.deepEqual(neighbourhood({ "m.main": ["m.f"], "m.f": ["m.g"], "m.g": [] }, "m.f"),
    { symbol: "m.f", callers: [{ id: "m.main" }], callees: [{ id: "m.g" }] });
  assert.equal(neighbourhood({ error: "no symbol with a call graph here", nodes: [], edges: [] }), undefined);
  assert.equal(neighbourhood(null), undefined);
});

test("chat ids are unique", () => {
  assert.notEqual(newChatId(), newChatId());
});
