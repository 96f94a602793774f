#!/usr/bin/env bash
# Everything the full test suite needs beyond `npm ci`, installed idempotently:
#   - Debian packages: git (revisions, patch series), git-email (send-email dry run) with
#     libmailtools-perl (git send-email needs its Mail::Address; Debian only recommends it),
#     coccinelle (spatch, the benchmark baseline), chromium (browser and VS Code tests)
#   - the kernel corpus (Debian's linux-source-6.12 / 6.1, extracted into .cache/kernel), and
#     the whole 6.12 tree (.cache/kernel/6.12-full, 1.7 GB: the whole-tree triage and benchmarks)
#   - b4 0.16 from Debian sid, unpacked (not installed) into .cache/b4 for the b4 tests
#   - the real-VS-Code environment (Node 24 + code-server + playwright-core in .cache/e2e)
# Runs as `npm test`'s pretest step, so a fresh clone needs no other command. A second run
# finishes in about a second. Set LL_SKIP_SETUP=1 to skip it (unit tests only need npm ci).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ "${LL_SKIP_SETUP:-}" = 1 ] && { echo "setup: skipped (LL_SKIP_SETUP=1)"; exit 0; }
start=$(date +%s)

PKGS=(git git-email libmailtools-perl coccinelle chromium)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: please install these Debian packages (needs root): ${missing[*]}" >&2
    echo "setup:   sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  # shellcheck source=apt-install.sh
  . "$HERE/apt-install.sh"
  apt_install_only "${missing[@]}"
fi

bash "$HERE/fetch-corpus.sh"
bash "$HERE/fetch-corpus.sh" --full 6.12
bash "$HERE/fetch-b4.sh"
bash "$HERE/setup-e2e.sh"
echo "setup: ready ($(( $(date +%s) - start )) s)"
