#!/usr/bin/env bash
# Renders a screenshot of the plugin in a real Neovim for the docs: Neovim runs in tmux on
# examples/shop/app.py, asks :CodieChat, and the captured terminal (with colours) is
# rendered to PNG by rich (HTML) and headless Chromium.
#   tests/screenshot.sh OUT.png   (env: CODIE_PYTHON, NVIM, SCENE)
# SCENE: chat (default) | askwhy (the "Ask why" code action's result split, code lenses)
#        | requirements (a vulnerable pin in requirements.txt and its diagnostic float)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$(realpath -m "${1:-$ROOT/docs/img/neovim.png}")"
PY="${CODIE_PYTHON:-$ROOT/.venv/bin/python}"
NVIM="${NVIM:-$ROOT/.venv/bin/nvim}"
WORK="$(mktemp -d)"
SESSION="codie-shot-$$"
trap 'tmux kill-session -t "$SESSION" 2>/dev/null || true; rm -rf "$WORK"' EXIT
cp -r "$ROOT/examples/shop" "$WORK/shop"
touch "$WORK/shop/pyproject.toml"
cat > "$WORK/init.lua" <<LUA
vim.opt.runtimepath:prepend("$HERE")
vim.opt.swapfile = false
vim.opt.shadafile = "NONE"
vim.opt.termguicolors = true
vim.opt.number = true
vim.opt.signcolumn = "yes"
vim.cmd("filetype on")
vim.cmd("syntax on")
vim.cmd("runtime plugin/codie.lua")
require("codie").setup({ cmd = { "$PY", "-m", "codie", "serve" }, chat = { split = "botright 64vsplit" } })
LUA
SCENE="${SCENE:-chat}"
FILE=app.py
[ "$SCENE" = requirements ] && FILE=requirements.txt
tmux new-session -d -s "$SESSION" -x 170 -y 34 "cd $WORK/shop && $NVIM -u $WORK/init.lua $FILE"
sleep 6
case "$SCENE" in
  chat)
    tmux send-keys -t "$SESSION" "16G" ""
    tmux send-keys -t "$SESSION" ":CodieChat Why is this eval dangerous?" Enter
    sleep 5
    tmux send-keys -t "$SESSION" "gg" ""
    tmux send-keys -t "$SESSION" C-w h
    tmux send-keys -t "$SESSION" ":lua vim.diagnostic.open_float()" Enter
    ;;
  askwhy)
    sleep 6
    tmux send-keys -t "$SESSION" "11G^" ""
    tmux send-keys -t "$SESSION" ":lua vim.lsp.buf.code_action({apply = true, filter = function(a) return a.title:find('^Ask why') ~= nil end})" Enter
    sleep 8
    ;;
  requirements)
    sleep 4
    tmux send-keys -t "$SESSION" "3G" ""
    tmux send-keys -t "$SESSION" ":lua vim.diagnostic.open_float()" Enter
    ;;
esac
sleep 1
tmux capture-pane -t "$SESSION" -e -p > "$WORK/screen.ansi"
"$ROOT/.venv/bin/python" - "$WORK/screen.ansi" "$WORK/screen.html" <<'PY'
import sys
from rich.console import Console
from rich.text import Text
console = Console(record=True, width=170, force_terminal=True, color_system="truecolor", file=open("/dev/null", "w"))
for line in open(sys.argv[1], encoding="utf-8").read().rstrip("\n").split("\n"):
    console.print(Text.from_ansi(line), no_wrap=True, crop=True)
html = console.export_html(inline_styles=True)
html = html.replace("<body>", '<body style="background:#1e1e2e;color:#cdd6f4;margin:0;padding:8px">')
html = html.replace("<pre ", '<pre style="font-family:DejaVu Sans Mono,monospace;font-size:13px;line-height:1.25;margin:0" ', 1)
open(sys.argv[2], "w", encoding="utf-8").write(html)
PY
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1380,610 \
  --screenshot="$OUT" "file://$WORK/screen.html" >/dev/null 2>&1
echo "wrote $OUT"
