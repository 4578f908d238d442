// A small stand-in for the `vscode` module, enough for the unit tests of the modules that
// import it (the chat view host and the tree views). Tests tweak `window.activeTextEditor`
// and read `commands.executed`.
"use strict";

class Position {
  constructor(line, character) { this.line = line; this.character = character; }
}
class Range {
  constructor(a, b, c, d) {
    if (typeof a === "number") { this.start = new Position(a, b); this.end = new Position(c, d); }
    else { this.start = a; this.end = b; }
  }
  get isEmpty() { return this.start.line === this.end.line && this.start.character === this.end.character; }
}
class Selection extends Range {
  get active() { return this.end; }
}
class Uri {
  constructor(scheme, path) { this.scheme = scheme; this.path = path; this.fsPath = path; }
  static file(p) { return new Uri("file", p); }
  static parse(s) { const m = /^(\w+):\/\/(.*)$/.exec(s); return m ? new Uri(m[1], m[2]) : new Uri("file", s); }
  static joinPath(base, ...parts) { return new Uri(base.scheme, [base.path, ...parts].join("/")); }
  toString() { return `${this.scheme}://${this.path}`; }
}
class EventEmitter {
  constructor() { this.listeners = []; this.event = (l) => { this.listeners.push(l); return { dispose() {} }; }; }
  fire(v) { for (const l of this.listeners) l(v); }
  dispose() {}
}
class TreeItem {
  constructor(label, collapsibleState) { this.label = label; this.collapsibleState = collapsibleState; }
}
class ThemeColor { constructor(id) { this.id = id; } }

const commands = {
  executed: [],
  async executeCommand(id, ...args) { commands.executed.push([id, ...args]); return undefined; },
  registerCommand(id, fn) { return { dispose() {} }; },
};
const window = {
  activeTextEditor: undefined,
  shown: [],
  async showTextDocument(uri) { window.shown.push(uri); return window.activeTextEditor; },
  showWarningMessage(m) { window.shown.push(m); return Promise.resolve(undefined); },
  showInformationMessage(m) { window.shown.push(m); return Promise.resolve(undefined); },
};
const workspace = {
  workspaceFolders: undefined,
  asRelativePath(uri) { return String(uri.path ?? uri).split("/").pop(); },
  getConfiguration() { return { get: (_k, d) => d }; },
};

module.exports = {
  Position, Range, Selection, Uri, EventEmitter, TreeItem, ThemeColor,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  commands, window, workspace,
};
module.exports.languages = {
  diagnostics: new Map(),
  getDiagnostics(uri) { return module.exports.languages.diagnostics.get(String(uri)) ?? []; },
};
