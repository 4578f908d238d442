import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponseError } from "vscode-languageserver-protocol";
import { ChatChunkNotification, ChatRequest, hotspotList, isCancelled, isMethodNotFound, neighbourhood, newChatId } from "../../src/protocol";

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

test("hotspot lists come bare or wrapped, junk is dropped", () => {
  assert.equal(hotspotList([{ path: "a.py", score: 3 }, 7]).length, 1);
  assert.deepEqual(hotspotList({ hotspots: [{ path: "b.py" }] }), [{ path: "b.py" }]);
  assert.deepEqual(hotspotList(null), []);
});

test("call graph answers of three shapes reduce to one neighbourhood", () => {
  assert.deepEqual(neighbourhood({ symbol: "m.f", callers: ["m.main"], callees: [{ name: "m.g" }] }),
    { symbol: "m.f", callers: ["m.main"], callees: ["m.g"] });
  assert.deepEqual(neighbourhood({ symbol: "m.f", edges: [{ from: "m.main", to: "m.f" }, { from: "m.f", to: "os.path.join" }] }),
    { symbol: "m.f", callers: ["m.main"], callees: ["os.path.join"] });
  assert.deepEqual(neighbourhood({ "m.main": ["m.f"], "m.f": ["m.g"], "m.g": [] }, "m.f"),
    { symbol: "m.f", callers: ["m.main"], callees: ["m.g"] });
  assert.equal(neighbourhood(null), undefined);
});

test("chat ids are unique", () => {
  assert.notEqual(newChatId(), newChatId());
});
