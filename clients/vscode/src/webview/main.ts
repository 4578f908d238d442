/**
 * The chat panel's script, running inside the webview (a browser, no Node, no vscode
 * module). State survives the panel being hidden through setState/getState.
 */
import { answerHtml, escapeHtml, splitAnswer } from "../markdown";
import type { FixView, ToHost, ToWebview } from "./messages";

interface Entry {
  chatId: string;
  question: string;
  context?: string;
  answer: string;
  status: "streaming" | "done" | "cancelled" | "unsupported" | "error";
  error?: string;
  fixes?: FixView[];
}

interface VsCodeApi {
  postMessage(message: ToHost): void;
  getState(): { entries: Entry[] } | undefined;
  setState(state: { entries: Entry[] }): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const entries: Entry[] = vscode.getState()?.entries ?? [];
const log = document.getElementById("log") as HTMLDivElement;
const input = document.getElementById("question") as HTMLTextAreaElement;
const send = document.getElementById("send") as HTMLButtonElement;
const cancel = document.getElementById("cancel") as HTMLButtonElement;

function streaming(): Entry | undefined {
  return entries.find((e) => e.status === "streaming");
}

function renderAnswer(entry: Entry): string {
  return answerHtml(entry.answer, entry.status === "streaming", entry.fixes);
}

function render(): void {
  log.innerHTML = entries.map((e, n) => {
    const status = e.status === "streaming" ? `<span class="status">answering…</span>`
      : e.status === "cancelled" ? `<span class="status">cancelled</span>`
      : e.status === "error" || e.status === "unsupported" ? `<span class="status error">${escapeHtml(e.error ?? "error")}</span>`
      : "";
    const context = e.context ? `<div class="context">${escapeHtml(e.context)}</div>` : "";
    return `<div class="entry" data-entry="${n}"><div class="question">${escapeHtml(e.question)}</div>${context}`
      + `<div class="answer" data-chat-id="${escapeHtml(e.chatId)}" data-status="${e.status}">${renderAnswer(e)}</div>${status}</div>`;
  }).join("");
  const busy = streaming() !== undefined;
  send.disabled = busy;
  cancel.hidden = !busy;
  log.scrollTop = log.scrollHeight;
  vscode.setState({ entries: entries.map((e) => e.status === "streaming" ? { ...e, status: "cancelled" } : e) });
}

function ask(): void {
  const message = input.value.trim();
  if (message === "" || streaming() !== undefined) {
    return;
  }
  vscode.postMessage({ type: "ask", message });
  input.value = "";
}

send.addEventListener("click", ask);
input.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !ev.shiftKey) {
    ev.preventDefault();
    ask();
  }
});
cancel.addEventListener("click", () => {
  const e = streaming();
  if (e) {
    vscode.postMessage({ type: "cancel", chatId: e.chatId });
  }
});
log.addEventListener("click", (ev) => {
  const button = (ev.target as HTMLElement).closest("button");
  const answer = button?.closest(".entry") as HTMLElement | null;
  if (!button || !answer) {
    return;
  }
  const entry = entries[Number(answer.dataset.entry)];
  if (button.dataset.act === "applyFix") {
    vscode.postMessage({ type: "applyFix", chatId: entry.chatId, index: Number(button.dataset.fix) });
    return;
  }
  const part = splitAnswer(entry.answer)[Number(button.dataset.part)];
  if (part?.kind === "code" && button.dataset.act === "copy") {
    void navigator.clipboard?.writeText(part.code);
  }
});

window.addEventListener("message", (ev: MessageEvent<ToWebview>) => {
  const msg = ev.data;
  switch (msg.type) {
    case "start":
      entries.push({ chatId: msg.chatId, question: msg.message, context: msg.context, answer: "", status: "streaming" });
      break;
    case "chunk": {
      const e = entries.find((x) => x.chatId === msg.chatId);
      if (e) e.answer = msg.text;
      break;
    }
    case "done": {
      const e = entries.find((x) => x.chatId === msg.chatId);
      if (e) {
        e.answer = msg.text;
        e.status = msg.status;
        e.error = msg.error;
        e.fixes = msg.fixes;
      }
      break;
    }
    case "notice":
      entries.push({ chatId: `notice-${entries.length}`, question: "", answer: msg.text, status: "done" });
      break;
  }
  render();
});

render();
vscode.postMessage({ type: "ready" });
