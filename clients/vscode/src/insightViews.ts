/** The Hotspots and Call Graph tree views, fed by codie/hotspots and codie/callGraph. */
import * as vscode from "vscode";
import { GraphEntry, GraphNeighbourhood, Hotspot } from "./protocol";

type Item = vscode.TreeItem & { children?: Item[] };

function message(text: string): Item {
  const item: Item = new vscode.TreeItem(text);
  item.contextValue = "message";
  return item;
}

function openCommand(uri: vscode.Uri, line: number, character = 0): vscode.Command {
  const pos = new vscode.Range(line, character, line, character);
  return { command: "vscode.open", title: "Open", arguments: [uri, { selection: pos }] };
}

function group(label: string, children: Item[]): Item {
  const item: Item = new vscode.TreeItem(`${label} (${children.length})`, vscode.TreeItemCollapsibleState.Expanded);
  item.children = children.length ? children : [message("none")];
  return item;
}

export class HotspotsProvider implements vscode.TreeDataProvider<Item> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private items: Item[] = [message("Run “Codie: Show Hotspots” to rank code by churn × complexity.")];

  show(functions: Hotspot[], files: Hotspot[], root: vscode.Uri | undefined): void {
    if (functions.length === 0 && files.length === 0) {
      this.showMessage("No hotspots: no git history in the window, or no complex code.");
      return;
    }
    this.items = [group("Functions", functions.map((h, i) => this.row(h, i, root))), group("Files", files.map((h, i) => this.row(h, i, root)))];
    this.changed.fire();
  }

  private row(h: Hotspot, i: number, root: vscode.Uri | undefined): Item {
    const where = h.function ? `${h.function} (${h.path ?? ""}${h.line ? `:${h.line}` : ""})` : (h.path ?? h.uri ?? "?");
    const item: Item = new vscode.TreeItem(`${i + 1}. ${where}`);
    const figures = [
      h.score !== undefined ? `score ${round(h.score)}` : "",
      h.commits !== undefined ? `${h.commits} commits` : "",
      h.complexity !== undefined ? `complexity ${round(h.complexity)}` : "",
    ].filter(Boolean).join(" · ");
    item.description = figures;
    item.tooltip = figures;
    const uri = h.uri ? vscode.Uri.parse(h.uri) : h.path && root ? vscode.Uri.joinPath(root, h.path) : undefined;
    if (uri) {
      item.command = openCommand(uri, Math.max(0, (h.line ?? 1) - 1));
    }
    return item;
  }

  showMessage(text: string): void {
    this.items = [message(text)];
    this.changed.fire();
  }

  getTreeItem(e: Item): vscode.TreeItem { return e; }
  getChildren(e?: Item): Item[] { return e ? e.children ?? [] : this.items; }
}

export class CallGraphProvider implements vscode.TreeDataProvider<Item> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private items: Item[] = [message("Put the cursor on a function and run “Codie: Show Call Graph”.")];

  show(graph: GraphNeighbourhood): void {
    const node = (e: GraphEntry): Item => {
      const item: Item = new vscode.TreeItem(e.id);
      if (e.uri) {
        item.command = openCommand(vscode.Uri.parse(e.uri), e.range?.start.line ?? 0, e.range?.start.character ?? 0);
      } else {
        item.description = "external";
      }
      return item;
    };
    const root: Item = new vscode.TreeItem(graph.symbol, vscode.TreeItemCollapsibleState.Expanded);
    root.children = [group("Callers", graph.callers.map(node)), group("Callees", graph.callees.map(node))];
    this.items = [root];
    this.changed.fire();
  }

  showMessage(text: string): void {
    this.items = [message(text)];
    this.changed.fire();
  }

  getTreeItem(e: Item): vscode.TreeItem { return e; }
  getChildren(e?: Item): Item[] { return e ? e.children ?? [] : this.items; }
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
