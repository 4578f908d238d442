// Prints the client capabilities that vscode-languageclient (clients/vscode's version)
// sends in `initialize`, for tests/lsp/clients/vscode_languageclient_9.json:
//   node tests/lsp/clients/capabilities.js > /tmp/caps.json
// (run from the repository root after `npm ci` in clients/vscode). The library computes
// them from its features' fillClientCapabilities; a catch-all stand-in for the `vscode`
// module is enough for that (no editor runs).
"use strict";
const Module = require("module");
const path = require("path");

function stub(name) {
  const target = function () {};
  return new Proxy(target, {
    get(t, p) {
      if (p === "then") return undefined; // not a promise
      if (p === "prototype") return {};
      if (p === Symbol.toPrimitive) return () => 1;
      if (typeof p === "string" && p.startsWith("onDid")) return () => ({ dispose() {} });
      if (!(p in t)) t[p] = stub(`${name}.${String(p)}`);
      return t[p];
    },
    construct: () => stub(`${name}()`),
    apply: () => stub(`${name}(...)`),
  });
}
const vscode = stub("vscode");
vscode.version = "1.95.0"; // (the library checks it is a version)
vscode.workspace = new Proxy(
  { textDocuments: [], workspaceFolders: undefined, getConfiguration: () => ({ get: () => undefined }) },
  {
    get: (t, p) =>
      p in t ? t[p] : typeof p === "string" && p.startsWith("onDid") ? () => ({ dispose() {} }) : stub(`workspace.${String(p)}`),
  },
);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === "vscode" ? "vscode" : resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: "vscode", filename: "vscode", loaded: true, exports: vscode };

const root = path.resolve(__dirname, "../../../clients/vscode/node_modules/vscode-languageclient");
const lc = require(path.join(root, "node"));
const client = new lc.LanguageClient("codie", "Codie", { command: "codie" }, { documentSelector: [{ scheme: "file", language: "python" }] });
console.log(JSON.stringify(client.computeClientCapabilities(), null, 1));
