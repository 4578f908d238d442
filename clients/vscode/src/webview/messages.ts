/** Messages between the chat webview and the extension host (typed both ways). */
import type { ChatStatus } from "../chat";

export type ToHost =
  | { type: "ready" }
  | { type: "ask"; message: string }
  | { type: "cancel"; chatId: string }
  | { type: "insert"; code: string }
  | { type: "apply"; code: string };

export type ToWebview =
  | { type: "start"; chatId: string; message: string; context?: string }
  | { type: "chunk"; chatId: string; text: string }
  | { type: "done"; chatId: string; text: string; status: ChatStatus; error?: string }
  | { type: "notice"; text: string };
