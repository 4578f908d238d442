/**
 * How to start `codie serve`, and which settings go to the server. No `vscode` import:
 * the rules are unit-tested in plain Node.
 */

export interface LaunchSettings {
  /** The whole command line; wins over everything (e.g. ["/opt/codie/bin/codie", "serve"]). */
  serverCommand: string[];
  /** A `codie` executable; `serve` is appended. */
  path: string;
  /** A Python interpreter (plus leading args) that has Codie installed. */
  interpreter: string[];
  /** Extra arguments after `serve`. */
  args: string[];
}

export type LaunchSource = "serverCommand" | "path" | "interpreter" | "python-extension" | "default";

export interface Launch {
  command: string;
  args: string[];
  source: LaunchSource;
}

export const DEFAULT_PYTHON = "python3";

/** Expand ${workspaceFolder}, ${userHome}, ${env:X} and a leading ~ in one argument. */
export function expand(value: string, vars: { workspaceFolder?: string; userHome?: string; env?: Record<string, string | undefined> }): string {
  let out = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (whole, name: string, envName?: string) => {
    if (envName !== undefined) {
      return vars.env?.[envName] ?? "";
    }
    const v = name === "workspaceFolder" ? vars.workspaceFolder : vars.userHome;
    return v ?? whole;
  });
  if (vars.userHome && (out === "~" || out.startsWith("~/"))) {
    out = vars.userHome + out.slice(1);
  }
  return out;
}

const nonEmpty = (xs: string[] | undefined): xs is string[] =>
  Array.isArray(xs) && xs.length > 0 && xs.every((x) => typeof x === "string") && xs[0].trim() !== "";

/**
 * The order: codie.serverCommand, codie.path, codie.interpreter, the interpreter chosen in
 * the Python extension, then `python3 -m codie`.
 */
export function resolveLaunch(
  settings: LaunchSettings,
  pythonExtension: string[] | undefined,
  vars: Parameters<typeof expand>[1] = {},
): Launch {
  const x = (args: string[]) => args.map((a) => expand(a, vars));
  const extra = x(settings.args ?? []);
  if (nonEmpty(settings.serverCommand)) {
    const [command, ...args] = x(settings.serverCommand);
    return { command, args: [...args, ...extra], source: "serverCommand" };
  }
  if (typeof settings.path === "string" && settings.path.trim() !== "") {
    return { command: expand(settings.path.trim(), vars), args: ["serve", ...extra], source: "path" };
  }
  if (nonEmpty(settings.interpreter)) {
    const [command, ...pre] = x(settings.interpreter);
    return { command, args: [...pre, "-m", "codie", "serve", ...extra], source: "interpreter" };
  }
  if (nonEmpty(pythonExtension)) {
    const [command, ...pre] = pythonExtension;
    return { command, args: [...pre, "-m", "codie", "serve", ...extra], source: "python-extension" };
  }
  return { command: DEFAULT_PYTHON, args: ["-m", "codie", "serve", ...extra], source: "default" };
}

/** Settings that choose the program Codie runs (restricted in untrusted workspaces). */
export const LAUNCH_SETTINGS = ["codie.serverCommand", "codie.path", "codie.interpreter", "codie.args"];

/** Ignored in Restricted Mode: the launch settings, and the opt-in that runs workspace code. */
export const RESTRICTED_SETTINGS = [...LAUNCH_SETTINGS, "codie.runtime.onSave"];

/** Settings whose change needs a new server process (the rest go over LSP). */
export const RESTART_SETTINGS = [...LAUNCH_SETTINGS, "codie.sandbox.backend"];

export function affectsLaunch(affects: (section: string) => boolean): boolean {
  return RESTART_SETTINGS.some((s) => affects(s));
}

/** The server's environment: the sandbox backend is read from CODIE_SANDBOX at start. */
export function serverEnv(base: Record<string, string | undefined>, sandboxBackend: string | undefined): Record<string, string | undefined> {
  const env = { ...base };
  if (sandboxBackend && sandboxBackend !== "auto") {
    env.CODIE_SANDBOX = sandboxBackend;
  }
  return env;
}

/** Client-only keys: the server would report them as unknown settings. */
const CLIENT_ONLY = new Set(["serverCommand", "path", "interpreter", "args", "trace", "statusBar"]);

/**
 * The `codie` section as the server reads it (core/config.py): select, ignore, severity,
 * minConfidence, exclude, and tables per feature (llm, sandbox, ...).
 */
export function serverSettings(section: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section ?? {})) {
    if (CLIENT_ONLY.has(key) || value === undefined || value === null || typeof value === "function") {
      continue;
    }
    if (typeof value === "object" && !Array.isArray(value)) {
      // Drop empty strings inside tables: "not set" rather than a bad value.
      const table = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== "" && v !== null && v !== undefined),
      );
      if (Object.keys(table).length > 0) {
        out[key] = table;
      }
      continue;
    }
    out[key] = value;
  }
  return out;
}

/**
 * The settings plus the workspace's trust (`workspace.trusted`): the server runs no
 * workspace code (runtime tests) in an untrusted workspace, whatever the settings say.
 */
export function withWorkspaceTrust(settings: Record<string, unknown>, trusted: boolean): Record<string, unknown> {
  const workspace = settings.workspace;
  const table = typeof workspace === "object" && workspace !== null && !Array.isArray(workspace) ? workspace : {};
  return { ...settings, workspace: { ...table, trusted } };
}

export type ServerState = "starting" | "running" | "stopped" | "failed";

export interface Counts {
  errors: number;
  warnings: number;
  infos: number;
}

/** The status bar text: state and counts; the tooltip carries the launch and backend. */
export function statusText(state: ServerState, counts: Counts): string {
  switch (state) {
    case "starting":
      return "$(sync~spin) Codie";
    case "stopped":
      return "$(circle-slash) Codie";
    case "failed":
      return "$(error) Codie";
    default:
      return `$(check) Codie $(error) ${counts.errors} $(warning) ${counts.warnings}`;
  }
}

/** The sandbox backend the server reported (with why), else the configured one. */
export interface Backend {
  configured?: string;
  reported?: string;
  why?: string;
}

export function backendText(b: Backend): string | undefined {
  if (b.reported) {
    return b.why ? `${b.reported} (${b.why})` : b.reported;
  }
  return b.configured ? `${b.configured} (configured)` : undefined;
}

export function statusTooltip(state: ServerState, launch: Launch | undefined, backend: Backend | string | undefined): string {
  const lines = [`Codie: ${state}`];
  if (launch) {
    lines.push(`Server: ${[launch.command, ...launch.args].join(" ")} (from ${launch.source})`);
  }
  const text = typeof backend === "string" ? backend : backend && backendText(backend);
  if (text) {
    lines.push(`Sandbox backend: ${text}`);
  }
  lines.push("Click for the Codie log.");
  return lines.join("\n");
}

/** Severity numbers are LSP/VS Code's: 0 error, 1 warning, 2 info, 3 hint. */
export function countDiagnostics(diagnostics: Iterable<{ source?: string; severity: number }>): Counts {
  const counts: Counts = { errors: 0, warnings: 0, infos: 0 };
  for (const d of diagnostics) {
    if (d.source !== "codie") {
      continue;
    }
    if (d.severity === 0) counts.errors += 1;
    else if (d.severity === 1) counts.warnings += 1;
    else counts.infos += 1;
  }
  return counts;
}

/**
 * The server's workspace/executeCommand commands that the language client may register as
 * VS Code commands: not those the extension contributes itself (VS Code refuses a second
 * registration and the client would fail to start). The extension's own command forwards
 * to the server when it needs to.
 */
export function serverCommandsToRegister(serverCommands: string[] | undefined, own: ReadonlySet<string>): { register: string[]; clashes: string[] } {
  const all = serverCommands ?? [];
  return { register: all.filter((c) => !own.has(c)), clashes: all.filter((c) => own.has(c)) };
}

/** The CLI next to the server: `<launch up to "serve"> <sub> args`, else `python3 -m codie`. */
export function cliCommand(l: Launch | undefined, sub: string, args: string[]): string[] {
  const full = l ? [l.command, ...l.args] : [];
  const serve = full.lastIndexOf("serve");
  return serve > 0 ? [...full.slice(0, serve), sub, ...args] : [DEFAULT_PYTHON, "-m", "codie", sub, ...args];
}

/** A POSIX shell line; arguments with anything unusual are single-quoted. */
export function shellLine(argv: string[]): string {
  return argv.map((s) => /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`).join(" ");
}
