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

/** Minimal Markdown for chat text: escaped, with headings, `code`, **bold** and line breaks. */
export function inlineHtml(text: string): string {
  return escapeHtml(text)
    .replace(/^#{1,6}\s+(.+)$/gm, '<strong class="heading">$1</strong>')
    .replace(/`([^`\n]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*\n]+)\*\*/g, "<strong>$1</strong>")
    .replace(/\n/g, "<br>");
}
