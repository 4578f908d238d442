/** The Hotspots and Call Graph tree views, fed by codie/hotspots and codie/callGraph. */
import * as vscode from "vscode";
import { GraphNeighbourhood, Hotspot } from "./protocol";

type Item = vscode.TreeItem & { children?: Item[] };

function message(text: string): Item {
  const item: Item = new vscode.TreeItem(text);
  item.contextValue = "message";
  return item;
}

export class HotspotsProvider implements vscode.TreeDataProvider<Item> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private items: Item[] = [message("Run “Codie: Show Hotspots” to rank files by churn × complexity.")];

  show(hotspots: Hotspot[], root: vscode.Uri | undefined): void {
    this.items = hotspots.length === 0 ? [message("No hotspots: no history or no complex code yet.")] : hotspots.map((h, i) => {
      const where = h.name ? `${h.path ?? ""} ${h.name}` : (h.path ?? h.uri ?? "?");
      const item: Item = new vscode.TreeItem(`${i + 1}. ${where.trim()}`);
      const figures = [
        h.score !== undefined ? `score ${round(h.score)}` : "",
        h.churn !== undefined ? `churn ${round(h.churn)}` : "",
        h.complexity !== undefined ? `complexity ${round(h.complexity)}` : "",
      ].filter(Boolean).join(" · ");
      item.description = figures;
      item.tooltip = figures;
      const uri = h.uri ? vscode.Uri.parse(h.uri) : h.path && root ? vscode.Uri.joinPath(root, h.path) : undefined;
      if (uri) {
        const line = Math.max(0, (h.line ?? 1) - 1);
        item.command = { command: "vscode.open", title: "Open", arguments: [uri, { selection: new vscode.Range(line, 0, line, 0) }] };
      }
      return item;
    });
    this.changed.fire();
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
    const group = (label: string, names: string[]): Item => {
      const item: Item = new vscode.TreeItem(`${label} (${names.length})`, vscode.TreeItemCollapsibleState.Expanded);
      item.children = names.length ? names.map((n) => new vscode.TreeItem(n)) : [message("none")];
      return item;
    };
    const root: Item = new vscode.TreeItem(graph.symbol, vscode.TreeItemCollapsibleState.Expanded);
    root.children = [group("Callers", graph.callers), group("Callees", graph.callees)];
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
