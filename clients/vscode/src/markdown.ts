/**
 * Splits a chat answer into text and fenced code blocks, so that the webview can offer
 * "Insert" and "Apply" on each code block. Pure: used by the webview and the unit tests.
 */
export type Part = { kind: "text"; text: string } | { kind: "code"; language: string; code: string; closed: boolean };

export function splitAnswer(markdown: string): Part[] {
  const parts: Part[] = [];
  const lines = markdown.split("\n");
  let text: string[] = [];
  let code: string[] | undefined;
  let language = "";
  const flushText = () => {
    if (text.length > 0 && text.join("\n").trim() !== "") {
      parts.push({ kind: "text", text: text.join("\n") });
    }
    text = [];
  };
  for (const line of lines) {
    const fence = /^\s*```\s*([\w+-]*)\s*$/.exec(line);
    if (code === undefined) {
      if (fence) {
        flushText();
        code = [];
        language = fence[1] ?? "";
      } else {
        text.push(line);
      }
    } else if (fence && fence[1] === "") {
      parts.push({ kind: "code", language, code: code.join("\n"), closed: true });
      code = undefined;
    } else {
      code.push(line);
    }
  }
  if (code !== undefined) {
    // Still streaming: show the block as it grows.
    parts.push({ kind: "code", language, code: code.join("\n"), closed: false });
  }
  flushText();
  return parts;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * Minimal Markdown for chat text: escaped, then headings, list items, `code`, **bold**,
 * _emphasis_ / *emphasis*, [links](https://...) and line breaks. Code spans are set aside
 * first, so `snake_case` inside them never turns into emphasis.
 */
export function inlineHtml(text: string): string {
  const spans: string[] = [];
  const withoutCode = escapeHtml(text).replace(/`([^`\n]+)`/g, (_m, code: string) => {
    spans.push(`<code>${code}</code>`);
    return `\u0000${spans.length - 1}\u0000`;
  });
  return withoutCode
    .replace(/^#{1,6}\s+(.+)$/gm, '<strong class="heading">$1</strong>')
    .replace(/^\s*[-*]\s+(.+)$/gm, "• $1")
    .replace(/\*\*([^*\n]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[\s(>])_([^_\n]+)_(?=$|[\s).,:;!?<])/gm, "$1<em>$2</em>")
    .replace(/(^|[\s(>])\*([^*\n]+)\*(?=$|[\s).,:;!?<])/gm, "$1<em>$2</em>")
    .replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2">$1</a>')
    .replace(/\n/g, "<br>")
    .replace(/\u0000(\d+)\u0000/g, (_m, i: string) => spans[Number(i)]);
}

/** A verified fix as the chat shows it: the diff, and the only Apply button of the panel. */
export interface FixPart {
  ruleId?: string;
  file: string;
  version: number | null;
  diff: string;
}

/**
 * The HTML of one answer. Code blocks in the text are excerpts: read-only, with Copy only.
 * Verified fixes (from the server, for one document version) get Apply.
 */
export function answerHtml(answer: string, streaming: boolean, fixes: FixPart[] = []): string {
  const parts = splitAnswer(answer);
  const html = parts.map((part, i) => {
    if (part.kind === "text") {
      return `<p>${inlineHtml(part.text)}</p>`;
    }
    const buttons = part.closed && !streaming
      ? `<div class="actions"><button data-act="copy" data-part="${i}" title="Copy the excerpt">Copy</button></div>`
      : "";
    return `<pre class="code excerpt" data-lang="${escapeHtml(part.language)}"><code>${escapeHtml(part.code)}</code></pre>${buttons}`;
  }).join("");
  const fixHtml = fixes.map((f, i) => {
    const what = `Verified fix${f.ruleId ? ` for ${escapeHtml(f.ruleId)}` : ""} in ${escapeHtml(f.file)}`
      + (f.version !== null ? ` (version ${f.version})` : "");
    const lines = f.diff.split("\n").map((l) => {
      const cls = l.startsWith("+") && !l.startsWith("+++") ? "add" : l.startsWith("-") && !l.startsWith("---") ? "del" : "";
      return cls ? `<span class="${cls}">${escapeHtml(l)}</span>` : escapeHtml(l);
    }).join("\n");
    return `<div class="fix" data-fix="${i}"><div class="fix-title">${what}</div>`
      + `<pre class="code diff"><code>${lines}</code></pre>`
      + `<div class="actions"><button data-act="applyFix" data-fix="${i}" title="Apply exactly this diff to the file">Apply</button></div></div>`;
  }).join("");
  return html + fixHtml;
}
