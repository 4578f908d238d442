/**
 * Codie's custom LSP requests and notifications (schema: shared/schema/custom-requests.json),
 * shared by the extension, the unit tests
 * and the Node integration test. It must not import `vscode` (nor vscode-languageclient,
 * which loads `vscode`), so that plain Node can drive the real server through it.
 */
import {
  ErrorCodes,
  NotificationType,
  Range,
  RequestType,
  ResponseError,
} from "vscode-languageserver-protocol";

// codie/chat ------------------------------------------------------------------------------
export interface ChatTurn {
  role: "user" | "assistant";
  content: string;
}

/** A finding given to the chat as context (a Diagnostic's data plus range and message). */
export interface FindingRef {
  ruleId: string;
  message?: string;
  range?: Range;
  confidence?: number;
}

export interface ChatParams {
  chatId: string;
  message: string;
  /** The file the question is about, and the selection in it. */
  uri?: string;
  range?: Range;
  /** Earlier turns of this conversation, oldest first. */
  history?: ChatTurn[];
  findings?: FindingRef[];
}

export interface ChatResult {
  chatId: string;
  text: string;
  done: boolean;
  /** offline | ollama | openai */
  provider?: string;
  /** Set when the model failed; text then holds the offline answer. */
  error?: string;
}

export interface ChatChunkParams {
  chatId: string;
  delta: string;
}

export const ChatRequest = new RequestType<ChatParams, ChatResult, void>("codie/chat");
export const ChatChunkNotification = new NotificationType<ChatChunkParams>("codie/chatChunk");

// codie/explain and the codie.explain command ----------------------------------------------
export interface ExplainParams {
  uri: string;
  range?: Range;
  ruleId?: string;
}

/** codie/explain answers {markdown, ruleIds?, provider?}; the codie.explain command {ruleId, markdown}. */
export interface ExplainResult {
  ruleId?: string;
  ruleIds?: string[];
  markdown: string;
  provider?: string;
}

export const ExplainRequest = new RequestType<ExplainParams, ExplainResult, void>("codie/explain");
/** The server's workspace/executeCommand that every Codie server has (core). */
export const EXPLAIN_COMMAND = "codie.explain";

// codie/feedback ---------------------------------------------------------------------------
export type FeedbackVerdict = "accept" | "dismiss" | "suppress";

export interface FeedbackParams {
  uri: string;
  ruleId: string;
  /** Diagnostic.data.fingerprint of the finding, when the server sends one. */
  fingerprint?: string;
  verdict: FeedbackVerdict;
}

export interface FeedbackResult {
  ruleId: string;
  alpha: number;
  beta: number;
  /** Posterior mean alpha/(alpha+beta). */
  precision: number;
}

export const FeedbackRequest = new RequestType<FeedbackParams, FeedbackResult, void>("codie/feedback");

// codie/hotspots and codie/callGraph ------------------------------------------------------
export interface HotspotsParams {
  /** A workspace folder; the server's first folder when absent. */
  rootUri?: string;
  limit?: number;
}

/** One ranked entry. Servers may send more fields; the views read these. */
export interface Hotspot {
  path?: string;
  uri?: string;
  name?: string;
  line?: number;
  churn?: number;
  complexity?: number;
  score?: number;
}

export const HotspotsRequest = new RequestType<HotspotsParams, unknown, void>("codie/hotspots");

export interface CallGraphParams {
  uri: string;
  position: { line: number; character: number };
  depth?: number;
}

export const CallGraphRequest = new RequestType<CallGraphParams, unknown, void>("codie/callGraph");

// helpers ----------------------------------------------------------------------------------
/** True when the server does not implement the request (an older or smaller server). */
export function isMethodNotFound(error: unknown): boolean {
  if (error instanceof ResponseError) {
    return error.code === ErrorCodes.MethodNotFound;
  }
  return typeof error === "object" && error !== null
    && (error as { code?: unknown }).code === ErrorCodes.MethodNotFound;
}

/** True when the request was cancelled by us ($/cancelRequest) or by the server. */
export function isCancelled(error: unknown): boolean {
  const code = typeof error === "object" && error !== null
    ? (error as { code?: unknown }).code : undefined;
  return code === -32800 || code === -32802; // RequestCancelled, ServerCancelled
}

/** Hotspot lists come as a bare array or as {hotspots: [...]}; accept both. */
export function hotspotList(result: unknown): Hotspot[] {
  const list = Array.isArray(result)
    ? result
    : (result as { hotspots?: unknown } | null)?.hotspots;
  return Array.isArray(list) ? list.filter((h): h is Hotspot => typeof h === "object" && h !== null) : [];
}

export interface GraphNeighbourhood {
  symbol: string;
  callers: string[];
  callees: string[];
}

/**
 * codie/callGraph answers with {symbol, callers, callees}, or {nodes, edges}, or an
 * adjacency list {"mod.f": ["mod.g"]} (the CLI's JSON); reduce them all to the
 * neighbourhood of one symbol.
 */
export function neighbourhood(result: unknown, symbol?: string): GraphNeighbourhood | undefined {
  if (typeof result !== "object" || result === null) {
    return undefined;
  }
  const r = result as Record<string, unknown>;
  const names = (v: unknown): string[] => Array.isArray(v)
    ? v.map((x) => typeof x === "string" ? x : String((x as { name?: unknown; id?: unknown })?.name ?? (x as { id?: unknown })?.id ?? "")).filter(Boolean)
    : [];
  if ("callers" in r || "callees" in r) {
    return { symbol: String(r.symbol ?? symbol ?? "?"), callers: names(r.callers), callees: names(r.callees) };
  }
  if (Array.isArray(r.edges)) {
    const root = String(r.symbol ?? r.root ?? symbol ?? "");
    const edges = r.edges as Array<Record<string, unknown>>;
    const from = (e: Record<string, unknown>) => String(e.from ?? e.source ?? e.caller ?? "");
    const to = (e: Record<string, unknown>) => String(e.to ?? e.target ?? e.callee ?? "");
    return {
      symbol: root,
      callers: edges.filter((e) => to(e) === root).map(from),
      callees: edges.filter((e) => from(e) === root).map(to),
    };
  }
  const adjacency = r as Record<string, unknown>;
  const root = symbol ?? Object.keys(adjacency)[0];
  if (root === undefined) {
    return undefined;
  }
  const callers = Object.entries(adjacency)
    .filter(([, callees]) => Array.isArray(callees) && callees.includes(root))
    .map(([caller]) => caller);
  return { symbol: root, callers, callees: names(adjacency[root]) };
}

let chatCounter = 0;
export function newChatId(): string {
  chatCounter += 1;
  return `chat-${Date.now().toString(36)}-${chatCounter}`;
}
