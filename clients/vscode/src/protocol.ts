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
  /** Fixes that passed verification for the document at `version`: the only code to Apply. */
  fixes?: ChatFix[];
}

/** A verified fix offered in a chat answer (schema: codie/chat result.fixes). */
export interface ChatFix {
  uri: string;
  /** The document version the fix applies to; refuse to apply it to any other. */
  version: number | null;
  fingerprint?: string;
  ruleId?: string;
  /** A unified diff, for display. */
  diff: string;
  /** An LSP WorkspaceEdit (a versioned TextDocumentEdit). */
  edit: unknown;
}

/** The answer of the server command codie.proposeFix (a code action). */
export interface ProposeFixResult {
  verified: boolean;
  reason?: string;
  diff?: string;
  provider?: string;
}

/**
 * The dependency manifests and lockfiles the server analyses (server: manifest_format), as
 * document selectors by file name, for files opened from disk.
 */
export const MANIFEST_GLOBS = [
  "**/*{req,Req,REQ}*.{txt,in}",
  "**/*{constraint,Constraint}*.{txt,in}",
  "**/pyproject.toml",
  "**/poetry.lock",
  "**/uv.lock",
  "**/Pipfile.lock",
  "**/pylock.toml",
  "**/pylock.*.toml",
];
export const MANIFEST_SELECTOR = MANIFEST_GLOBS.map((pattern) => ({ scheme: "file", pattern }));

export const PROPOSE_FIX_COMMAND = "codie.proposeFix";

/**
 * What to tell the user after "Propose a verified fix": words that say what to do next.
 * Returns [level, message]; "info" for a verified fix, "warning" otherwise.
 */
export function proposeFixMessage(r: ProposeFixResult | null | undefined, ruleId = "this finding"): ["info" | "warning", string] {
  if (r?.verified) {
    return ["info", `Codie: a verified fix for ${ruleId} is ready. Apply it with the quick fix "Apply fix (verified)" (Ctrl+.) or from the chat panel.`];
  }
  if (!r || r.provider === undefined || r.provider === "offline") {
    const why = r?.reason ? ` (${r.reason})` : "";
    return ["warning", `Codie: no verified fix for ${ruleId}${why}. Without a model Codie can only fix what its rules fix; set codie.llm.provider (ollama or openai) and codie.llm.endpoint to have a model propose one.`];
  }
  return ["warning", `Codie: the model's fix for ${ruleId} did not pass verification (${r.reason ?? "no reason given"}); nothing was changed. Try again, or fix it by hand.`];
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
  /** A document of the workspace folder to rank, or the folder itself. */
  textDocument?: { uri: string };
  folder?: string;
  /** "N days|weeks|months|years" of git history; the server's default is 12 months. */
  window?: string;
  /** Rows per list, 0 = all. */
  top?: number;
}

/** One ranked row ('function' is "" for a file; 'line' is 1-based, 0 for files). */
export interface Hotspot {
  path?: string;
  uri?: string;
  function?: string;
  line?: number;
  commits?: number;
  authors?: number;
  complexity?: number;
  score?: number;
}

export interface HotspotsResult {
  root?: string;
  window?: string;
  error?: string;
  files?: Hotspot[];
  functions?: Hotspot[];
}

export const HotspotsRequest = new RequestType<HotspotsParams, HotspotsResult | null, void>("codie/hotspots");

export interface CallGraphParams {
  textDocument: { uri: string };
  /** A qualified name ("pkg.mod.Class.method"); else the symbol at position. */
  symbol?: string;
  position?: { line: number; character: number };
  depth?: number;
  direction?: "both" | "incoming" | "outgoing";
  includeExternal?: boolean;
}

export interface CallGraphNode {
  id: string;
  name: string;
  external: boolean;
  kind?: string;
  uri?: string;
  range?: Range;
}

export interface CallGraphResult {
  root?: string;
  error?: string;
  nodes?: CallGraphNode[];
  edges?: Array<{ caller: string; callee: string; sites?: Array<{ uri: string; range: Range }> }>;
}

export const CallGraphRequest = new RequestType<CallGraphParams, CallGraphResult | null, void>("codie/callGraph");

// Runtime tests (the background worker) ---------------------------------------------------
/** The server command that runs the tests related to a file ([uri]) or all ([]). */
export const RUN_TESTS_COMMAND = "codie.runTests";

/** Sent when a background test run ends. */
export interface RuntimeResultParams {
  file?: string;
  state?: string;
  summary?: string;
  backend?: string;
  why?: string;
  error?: string;
}

export const RuntimeResultNotification = new NotificationType<RuntimeResultParams>("codie/runtimeResult");

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

const rows = (v: unknown): Hotspot[] =>
  Array.isArray(v) ? v.filter((h): h is Hotspot => typeof h === "object" && h !== null) : [];

/** The ranked functions and files of a codie/hotspots answer (a bare list counts as files). */
export function hotspotGroups(result: unknown): { functions: Hotspot[]; files: Hotspot[]; error?: string } {
  if (Array.isArray(result)) {
    return { functions: [], files: rows(result) };
  }
  const r = (result ?? {}) as HotspotsResult & { hotspots?: unknown };
  return {
    functions: rows(r.functions),
    files: rows(r.files ?? r.hotspots),
    error: typeof r.error === "string" ? r.error : undefined,
  };
}

export interface GraphEntry {
  id: string;
  uri?: string;
  range?: Range;
}

export interface GraphNeighbourhood {
  symbol: string;
  callers: GraphEntry[];
  callees: GraphEntry[];
}

/**
 * The callers and callees of the root of a codie/callGraph answer ({root, nodes, edges});
 * also accepts {symbol, callers, callees} and the CLI's adjacency list {"m.f": ["m.g"]}.
 * Undefined when the answer has no graph (e.g. {error}).
 */
export function neighbourhood(result: unknown, symbol?: string): GraphNeighbourhood | undefined {
  if (typeof result !== "object" || result === null || "error" in result) {
    return undefined;
  }
  const r = result as Record<string, unknown>;
  const where = new Map<string, GraphEntry>();
  for (const n of Array.isArray(r.nodes) ? r.nodes as CallGraphNode[] : []) {
    if (n && typeof n.id === "string") where.set(n.id, { id: n.id, uri: n.uri, range: n.range });
  }
  const entry = (x: unknown): GraphEntry => {
    const id = typeof x === "string" ? x : String((x as { id?: unknown; name?: unknown })?.id ?? (x as { name?: unknown })?.name ?? "");
    return where.get(id) ?? { id };
  };
  if ("callers" in r || "callees" in r) {
    const list = (v: unknown) => Array.isArray(v) ? v.map(entry).filter((e) => e.id !== "") : [];
    return { symbol: String(r.symbol ?? r.root ?? symbol ?? "?"), callers: list(r.callers), callees: list(r.callees) };
  }
  if (Array.isArray(r.edges)) {
    const root = String(r.root ?? r.symbol ?? symbol ?? "");
    const edges = r.edges as Array<Record<string, unknown>>;
    const from = (e: Record<string, unknown>) => String(e.caller ?? e.from ?? e.source ?? "");
    const to = (e: Record<string, unknown>) => String(e.callee ?? e.to ?? e.target ?? "");
    return {
      symbol: root,
      callers: edges.filter((e) => to(e) === root).map((e) => entry(from(e))),
      callees: edges.filter((e) => from(e) === root).map((e) => entry(to(e))),
    };
  }
  const root = symbol ?? Object.keys(r)[0];
  if (root === undefined) {
    return undefined;
  }
  const callers = Object.entries(r)
    .filter(([, callees]) => Array.isArray(callees) && callees.includes(root))
    .map(([caller]) => entry(caller));
  const callees = Array.isArray(r[root]) ? (r[root] as unknown[]).map(entry) : [];
  return { symbol: root, callers, callees };
}

let chatCounter = 0;
export function newChatId(): string {
  chatCounter += 1;
  return `chat-${Date.now().toString(36)}-${chatCounter}`;
}
