#!/usr/bin/env bash
# End to end in a real VS Code: code-server (VS Code 1.139 for the browser) with the
# packaged codie.vsix, driven by headless Chromium through puppeteer-core.
# Needs ./setup.sh first. Server: $CODIE_SERVER_CMD (space separated), or
# $CODIE_PYTHON -m codie serve. Screenshots go to clients/vscode/e2e-screenshots/.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
EXT_DIR="$(cd "$HERE/.." && pwd)"
ROOT="$(cd "$EXT_DIR/../.." && pwd)"
TOOLS="${CODIE_E2E_TOOLS:-$ROOT/.tools/e2e}"
NODE24="$TOOLS/node24bin/node"
VSIX="$EXT_DIR/codie.vsix"
PYTHON="${CODIE_PYTHON:-$ROOT/.venv/bin/python}"
SERVER_CMD="${CODIE_SERVER_CMD:-$PYTHON -m codie serve}"
[ -x "$NODE24" ] || { echo "run $HERE/setup.sh first" >&2; exit 2; }
[ -f "$VSIX" ] || { echo "no $VSIX: run make test-vscode" >&2; exit 2; }

WORK="$(mktemp -d /tmp/codie-e2e.XXXXXX)"
PORT="${CODIE_E2E_PORT:-$((20000 + RANDOM % 20000))}"
CS=("$NODE24" "$TOOLS/node_modules/code-server/out/node/entry.js"
    --user-data-dir "$WORK/data" --extensions-dir "$WORK/extensions")
CS_PID=""
cleanup() {
  if [ -n "$CS_PID" ]; then kill -- "-$CS_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/data/User" "$WORK/project" "$WORK/config"
export XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/config"
# Trust must be off as a *user* setting; the built-in AI chat is hidden.
"$NODE24" -e '
  const [cmd, file] = process.argv.slice(1);
  require("fs").writeFileSync(file, JSON.stringify({
    "security.workspace.trust.enabled": false,
    "chat.disableAIFeatures": true,
    "workbench.startupEditor": "none",
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "workbench.tips.enabled": false,
    "extensions.autoUpdate": false,
    "extensions.autoCheckUpdates": false,
    "telemetry.telemetryLevel": "off",
    "codie.serverCommand": cmd.split(" ").filter(Boolean),
  }, null, 2));' "$SERVER_CMD" "$WORK/data/User/settings.json"
cat > "$WORK/project/pyproject.toml" <<'PY'
[project]
name = "shop"
version = "0.1.0"
PY
cat > "$WORK/project/sample.py" <<'PY'
import subprocess


def apply_discount(expression):
    return eval(expression)


def archive(name):
    subprocess.run("tar czf backup.tgz " + name, shell=True)


def checkout(basket):
    return apply_discount(input(basket))


def load(path):
    try:
        return open(path).read()
    except:
        return None
PY
printf 'flask==3.0.3\nDjango==1.11  # pinned long ago\n' > "$WORK/project/requirements.txt"
cat > "$WORK/project/test_sample.py" <<'PY'
from sample import checkout


def test_checkout(monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt="": prompt)
    assert checkout("2") == 2
PY
# A git repository with one commit: hotspots rank by churn.
git -C "$WORK/project" init -q
git -C "$WORK/project" -c user.name=e2e -c user.email=e2e@example.com add -A
git -C "$WORK/project" -c user.name=e2e -c user.email=e2e@example.com commit -q -m "shop"

"${CS[@]}" --install-extension "$VSIX" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; exit 1; }
setsid "${CS[@]}" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry \
  --disable-update-check --disable-workspace-trust "$WORK/project" >"$WORK/code-server.log" 2>&1 &
CS_PID=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$WORK/code-server.log"; exit 1; }

status=0
NODE_PATH="$TOOLS/node_modules" "$NODE24" "$HERE/e2e.cjs" \
  --url "http://127.0.0.1:$PORT/?folder=$WORK/project" \
  --screenshots "$EXT_DIR/e2e-screenshots" || status=$?
# Codie's state (.codie/: SQLite caches, feedback) must never show in the user's git status.
untracked="$(git -C "$WORK/project" status --porcelain --untracked-files=all)"
if printf '%s\n' "$untracked" | grep -q '\.codie'; then
  echo "FAIL Codie's state shows in git status:"; printf '%s\n' "$untracked"; status=1
else
  echo "PASS Codie's state never shows in git status"
fi
if [ $status -ne 0 ]; then
  echo "--- code-server log (tail)"; tail -40 "$WORK/code-server.log"
  find "$WORK/data/logs" -name '*Codie*' -exec sh -c 'echo "--- $1"; head -3 "$1"; echo ...; tail -30 "$1"' _ {} \; 2>/dev/null || true
fi
exit $status
