/** The chat webview's HTML with a strict Content-Security-Policy (no vscode import). */

export function nonce(random: () => number = Math.random): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  for (let i = 0; i < 32; i++) {
    out += chars.charAt(Math.floor(random() * chars.length));
  }
  return out;
}

export function contentSecurityPolicy(cspSource: string, scriptNonce: string): string {
  // Nothing loads unless listed: our script by nonce, our stylesheet from the extension.
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `script-src 'nonce-${scriptNonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join("; ");
}

export function chatHtml(opts: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(opts.cspSource, opts.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${opts.styleUri}">
<title>Codie Chat</title>
</head>
<body>
<div id="log" role="log" aria-live="polite"></div>
<div id="composer">
  <textarea id="question" rows="3" placeholder="Ask Codie about this file or the selection (Enter to send, Shift+Enter for a new line)"></textarea>
  <div class="buttons"><button id="send">Send</button><button id="cancel" hidden>Cancel</button></div>
</div>
<script nonce="${opts.nonce}" src="${opts.scriptUri}"></script>
</body>
</html>`;
}
