/**
 * A chat conversation with the server over codie/chat + codie/chatChunk. Works on any
 * JSON-RPC endpoint with sendRequest/onNotification: the extension's LanguageClient and,
 * in the integration test, a bare vscode-jsonrpc connection to the real server.
 */
import { CancellationToken, CancellationTokenSource, Disposable, NotificationType, RequestType } from "vscode-languageserver-protocol";
import {
  ChatChunkNotification,
  ChatChunkParams,
  ChatFix,
  ChatParams,
  ChatRequest,
  ChatResult,
  ChatTurn,
  isCancelled,
  isMethodNotFound,
  newChatId,
} from "./protocol";

export interface RpcEndpoint {
  sendRequest<P, R>(type: RequestType<P, R, void>, params: P, token?: CancellationToken): Promise<R>;
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): Disposable;
}

export type ChatStatus = "done" | "cancelled" | "unsupported" | "error";

export interface ChatOutcome {
  chatId: string;
  text: string;
  status: ChatStatus;
  error?: string;
  /** Verified fixes for the asked-about document (the only code that may be applied). */
  fixes?: ChatFix[];
}

export interface PendingChat {
  chatId: string;
  outcome: Promise<ChatOutcome>;
  cancel(): void;
}

export type DeltaListener = (delta: string, textSoFar: string) => void;

export class ChatClient implements Disposable {
  private readonly listeners = new Map<string, { text: string; onDelta: DeltaListener }>();
  private readonly subscription: Disposable;
  readonly history: ChatTurn[] = [];

  constructor(private readonly endpoint: RpcEndpoint) {
    this.subscription = endpoint.onNotification(ChatChunkNotification, (p) => this.onChunk(p));
  }

  private onChunk(params: ChatChunkParams): void {
    const entry = this.listeners.get(params?.chatId);
    if (entry === undefined || typeof params.delta !== "string") {
      return; // a chunk of a finished or unknown chat: ignore
    }
    entry.text += params.delta;
    entry.onDelta(params.delta, entry.text);
  }

  /** Ask; deltas arrive through onDelta; the outcome resolves (never rejects) at the end. */
  ask(params: Omit<ChatParams, "chatId" | "history"> & { chatId?: string }, onDelta: DeltaListener = () => undefined): PendingChat {
    const chatId = params.chatId ?? newChatId();
    const source = new CancellationTokenSource();
    const entry = { text: "", onDelta };
    this.listeners.set(chatId, entry);
    const request: ChatParams = { ...params, chatId, history: [...this.history] };
    const outcome = this.endpoint.sendRequest(ChatRequest, request, source.token).then(
      (result: ChatResult): ChatOutcome => {
        // The final text is authoritative; the chunks were only a preview of it.
        const text = typeof result?.text === "string" && result.text !== "" ? result.text : entry.text;
        this.history.push({ role: "user", content: params.message }, { role: "assistant", content: text });
        const fixes = Array.isArray(result?.fixes) ? result.fixes.filter((f) => typeof f?.diff === "string" && f.edit) : [];
        return { chatId, text, status: "done", ...(fixes.length > 0 ? { fixes } : {}) };
      },
      (error: unknown): ChatOutcome => {
        if (source.token.isCancellationRequested || isCancelled(error)) {
          return { chatId, text: entry.text, status: "cancelled" };
        }
        if (isMethodNotFound(error)) {
          return { chatId, text: "", status: "unsupported", error: "This Codie server has no chat (codie/chat). Update Codie." };
        }
        return { chatId, text: entry.text, status: "error", error: error instanceof Error ? error.message : String(error) };
      },
    ).finally(() => {
      this.listeners.delete(chatId);
      source.dispose();
    });
    return { chatId, outcome, cancel: () => source.cancel() };
  }

  dispose(): void {
    this.subscription.dispose();
    this.listeners.clear();
  }
}
