/** Messages between the chat webview and the extension host (typed both ways). */
import type { ChatStatus } from "../chat";

/** What the webview shows of a verified fix; the edit itself stays on the host side. */
export interface FixView {
  ruleId?: string;
  file: string;
  version: number | null;
  diff: string;
}

export type ToHost =
  | { type: "ready" }
  | { type: "ask"; message: string }
  | { type: "cancel"; chatId: string }
  /** Apply verified fix number `index` of chat `chatId`; code blocks are never applied. */
  | { type: "applyFix"; chatId: string; index: number };

export type ToWebview =
  | { type: "start"; chatId: string; message: string; context?: string }
  | { type: "chunk"; chatId: string; text: string }
  | { type: "done"; chatId: string; text: string; status: ChatStatus; error?: string; fixes?: FixView[] }
  | { type: "notice"; text: string };
