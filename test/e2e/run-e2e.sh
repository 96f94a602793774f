#!/usr/bin/env bash
# End-to-end test of the packaged extension in a real VS Code (code-server from npm, on Node 24),
# driven by playwright-core + Debian chromium. Adapted from shared/recipes/vscode-e2e.
#   1. builds the .vsix (esbuild bundle + vsce, offline, like `npm run package`; with
#      LL_E2E_SKIP_BUILD=1 and a built dist/ it only packages, e.g. under `npm test`, which builds
#      first and runs other tests on dist/ in parallel)
#   2. makes a temp workspace: designs/v5-inline as fs/nfsd/filecache.c, primitives with findings,
#      the v4 design for the two-file compare, the patch series, and bad input (20 MB .c,
#      binary .c, broken syntax)
#   3. installs the .vsix with `code-server --install-extension`, starts code-server under setsid
#   4. runs e2e.mjs (checks + screenshots into test-output/e2e/), stops the process group and
#      waits for it to exit.
# Needs scripts/setup-e2e.sh to have run (installs into .cache/e2e).
# Prints one line `E2E_RESULT {json}` (e2e.test.ts parses it). Exit 0 = pass.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
ROOT="${LL_E2E_ROOT:-$REPO/.cache/e2e}"
PORT="${PORT:-$((20000 + RANDOM % 20000))}"
OUT="${E2E_OUT:-$REPO/test-output/e2e}"
for need in "$ROOT/node24/bin/node" "$ROOT/cs/node_modules/code-server/out/node/entry.js" \
            "$ROOT/tools/node_modules/playwright-core/package.json"; do
  [ -e "$need" ] || { echo "run-e2e: $need is missing: run scripts/setup-e2e.sh first" >&2
                      echo 'E2E_RESULT {"ok":false,"error":"e2e environment missing: run scripts/setup-e2e.sh"}'; exit 2; }
done
command -v "${CHROMIUM:-chromium}" >/dev/null || [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || {
  echo 'E2E_RESULT {"ok":false,"error":"chromium missing: run scripts/setup-e2e.sh"}'; exit 2; }

T0=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
mkdir -p "$ROOT/runs" "$OUT"
rm -f "$OUT"/*.png
RUN=$(mktemp -d "$ROOT/runs/run.XXXXXX")
mkdir -p "$RUN"/{user-data/User,extensions,xdg-config,xdg-data,xdg-cache,tmp,ws}
export TMPDIR="$RUN/tmp" XDG_CONFIG_HOME="$RUN/xdg-config" XDG_DATA_HOME="$RUN/xdg-data" XDG_CACHE_HOME="$RUN/xdg-cache"

# 1. package
VSIX="$RUN/lifecycle-lens.vsix"
if [ -n "${LL_VSIX:-}" ]; then cp "$LL_VSIX" "$VSIX"; else
  BUILD="node scripts/build.mjs"
  [ -n "${LL_E2E_SKIP_BUILD:-}" ] && [ -f "$REPO/dist/extension.js" ] && BUILD=true
  ( cd "$REPO" && $BUILD && ./node_modules/.bin/vsce package --no-dependencies --readme-path media/vsix-README.md \
      --allow-missing-repository -o "$VSIX" ) > "$RUN/package.log" 2>&1 \
    || { cat "$RUN/package.log"; echo 'E2E_RESULT {"ok":false,"error":"packaging failed"}'; exit 1; }
fi
VSIX_BYTES=$(stat -c %s "$VSIX")

# 2. workspace
WS="$RUN/ws"
FX="$REPO/test-fixtures"
mkdir -p "$WS/fs/nfsd" "$WS/primitives" "$WS/compare/v4-sentinel" "$WS/bad"
cp "$FX/designs/v5-inline/filecache.c" "$WS/fs/nfsd/filecache.c"
cp "$FX/primitives/balance.c" "$FX/primitives/atomic-sleep.c" "$WS/primitives/"
cp "$FX/designs/v4-sentinel/filecache.c" "$WS/compare/v4-sentinel/filecache.c"
cp -r "$FX/series" "$WS/series"
cp "$FX/parsing/broken.c" "$WS/bad/broken.c"
head -c 4096 /dev/urandom > "$WS/bad/binary.c"
node -e 'const fs=require("fs");const chunk="static int big_fn_%d(int x) { return x + %d; }\n";let s="";for(let i=0;s.length<20*1024*1024;i++)s+=chunk.replaceAll("%d",i);fs.writeFileSync(process.argv[1],s)' "$WS/bad/huge.c"

cat > "$RUN/user-data/User/settings.json" <<'JSON'
{
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.enableExperiments": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "chat.disableAIFeatures": true,
  "git.enabled": false,
  "editor.minimap.enabled": false,
  "files.exclude": { "**/.git": true },
  "lifecycleLens.exclude": "**/{series,compare,node_modules,.git}/**"
}
JSON
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" > "$RUN/config.yaml"
CS() { PATH="$ROOT/node24/bin:$PATH" "$ROOT/cs/node_modules/.bin/code-server" --config "$RUN/config.yaml" \
       --user-data-dir "$RUN/user-data" --extensions-dir "$RUN/extensions" "$@"; }

# 3. install + start
T_INSTALL=$(date +%s%N)
CS --install-extension "$VSIX" > "$RUN/install.log" 2>&1 \
  || { cat "$RUN/install.log"; echo 'E2E_RESULT {"ok":false,"error":"--install-extension failed"}'; exit 1; }
INSTALL_MS=$(ms "$T_INSTALL")
setsid "$ROOT/node24/bin/node" "$ROOT/cs/node_modules/code-server/out/node/entry.js" \
  --config "$RUN/config.yaml" --user-data-dir "$RUN/user-data" --extensions-dir "$RUN/extensions" \
  --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override --reconnection-grace-time 10 \
  > "$RUN/code-server.log" 2>&1 &
CS_PID=$!
stop_cs() {
  kill -- -"$CS_PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 -- -"$CS_PID" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 -- -"$CS_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 -- -"$CS_PID" 2>/dev/null || return 0; sleep 0.1; done
}
trap stop_cs EXIT
for i in $(seq 600); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  kill -0 $CS_PID 2>/dev/null || { cat "$RUN/code-server.log"; echo 'E2E_RESULT {"ok":false,"error":"code-server exited"}'; exit 1; }
  [ "$i" = 600 ] && { cat "$RUN/code-server.log"; echo 'E2E_RESULT {"ok":false,"error":"code-server did not come up"}'; exit 1; }
  sleep 0.1
done
echo "run-e2e: vsix $VSIX_BYTES bytes; install ${INSTALL_MS} ms; code-server up (pid $CS_PID, port $PORT, run dir $RUN)"

# 4. test
set +e
CS_PID=$CS_PID CS_URL="http://127.0.0.1:$PORT" WS_DIR="$WS" SHOT_DIR="$OUT" RUN_DIR="$RUN" \
  VSIX_BYTES=$VSIX_BYTES PW_CORE="$ROOT/tools/node_modules/playwright-core" \
  node "$HERE/e2e.mjs"
RC=$?
set -e
stop_cs
trap - EXIT
# Extension-host side of the story (activation time, analysis timings) for the report.
EXTLOG=$(find "$RUN/user-data/logs" -path '*lifecycle-lens*' -name '*.log' 2>/dev/null | head -1 || true)
if [ -n "$EXTLOG" ]; then cp "$EXTLOG" "$OUT/extension-output.log"; { grep -E 'activated in|index: ready|published' "$EXTLOG" || true; } | head -8; fi
# Passing runs leave nothing behind (KEEP_RUN=1 keeps them); failing ones stay for debugging,
# the three most recent only.
if [ "$RC" = 0 ] && [ -z "${KEEP_RUN:-}" ]; then rm -rf "$RUN"; KEPT="run dir removed"
else rm -f "$RUN/ws/bad/huge.c"; KEPT="logs in $RUN (code-server.log, user-data/logs/)"; fi
echo "run-e2e: whole run $(ms "$T0") ms, rc=$RC; $KEPT; screenshots in $OUT"
{ ls -1dt "$ROOT"/runs/run.* 2>/dev/null || true; } | tail -n +4 | xargs -r rm -rf
exit $RC
