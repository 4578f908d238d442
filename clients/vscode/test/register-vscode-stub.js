// node --require this file: `require("vscode")` then resolves to the stub.
"use strict";
const Module = require("module");
const path = require("path");
const stub = path.join(__dirname, "vscode-stub.js");
const original = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === "vscode" ? stub : original.call(this, request, ...rest);
};
