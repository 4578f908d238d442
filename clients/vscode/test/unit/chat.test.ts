import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponseError } from "vscode-languageserver-protocol";
import { ChatClient } from "../../src/chat";
import { FakeEndpoint } from "./fakeEndpoint";

test("chunks stream to the right chat and the final text wins", async () => {
  const ep = new FakeEndpoint();
  const chat = new ChatClient(ep);
  const seen: string[] = [];
  const pending = chat.ask({ message: "why?", uri: "file:///a.py" }, (_d, text) => seen.push(text));
  assert.equal(ep.sent[0].method, "codie/chat");
  assert.deepEqual(ep.sent[0].params, { message: "why?", uri: "file:///a.py", chatId: pending.chatId, history: [] });
  ep.notify("codie/chatChunk", { chatId: pending.chatId, delta: "Be" });
  ep.notify("codie/chatChunk", { chatId: "someone-else", delta: "XX" });
  ep.notify("codie/chatChunk", { chatId: pending.chatId, delta: "cause" });
  ep.sent[0].resolve({ chatId: pending.chatId, text: "Because.", done: true });
  const outcome = await pending.outcome;
  assert.deepEqual(seen, ["Be", "Because"]);
  assert.deepEqual(outcome, { chatId: pending.chatId, text: "Because.", status: "done" });
  // The next question carries the conversation so far.
  chat.ask({ message: "and?" });
  assert.deepEqual((ep.sent[1].params as { history: unknown }).history, [
    { role: "user", content: "why?" }, { role: "assistant", content: "Because." },
  ]);
});

test("cancel sends the cancellation and keeps the partial answer", async () => {
  const ep = new FakeEndpoint();
  const chat = new ChatClient(ep);
  const pending = chat.ask({ message: "long" });
  ep.notify("codie/chatChunk", { chatId: pending.chatId, delta: "partial" });
  pending.cancel();
  const outcome = await pending.outcome;
  assert.equal(ep.sent[0].token?.isCancellationRequested, true);
  assert.equal(outcome.status, "cancelled");
  assert.equal(outcome.text, "partial");
  // Late chunks of a finished chat are ignored.
  ep.notify("codie/chatChunk", { chatId: pending.chatId, delta: "late" });
});

test("a server without chat gives a clear 'unsupported' outcome", async () => {
  const ep = new FakeEndpoint();
  const pending = new ChatClient(ep).ask({ message: "hi" });
  ep.sent[0].reject(new ResponseError(-32601, "Method Not Found: codie/chat"));
  const outcome = await pending.outcome;
  assert.equal(outcome.status, "unsupported");
  assert.match(outcome.error ?? "", /no chat/);
});

test("other failures become an error outcome, never a rejection", async () => {
  const ep = new FakeEndpoint();
  const pending = new ChatClient(ep).ask({ message: "hi" });
  ep.sent[0].reject(new ResponseError(-32603, "provider timed out"));
  assert.deepEqual(await pending.outcome, { chatId: pending.chatId, text: "", status: "error", error: "provider timed out" });
});

test("malformed chunks are ignored", async () => {
  const ep = new FakeEndpoint();
  const seen: string[] = [];
  const pending = new ChatClient(ep).ask({ message: "hi" }, (d) => seen.push(d));
  ep.notify("codie/chatChunk", null);
  ep.notify("codie/chatChunk", { chatId: pending.chatId, delta: 5 });
  ep.notify("codie/chatChunk", { chatId: pending.chatId, delta: "ok" });
  assert.deepEqual(seen, ["ok"]);
  ep.sent[0].resolve({ chatId: pending.chatId, text: "", done: true });
  assert.equal((await pending.outcome).text, "ok");
});
