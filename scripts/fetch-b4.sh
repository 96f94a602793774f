#!/usr/bin/env bash
# b4 0.16 from Debian sid, for testing the b4 integration (b4-agent, b4-check) against the
# real b4. Never installed on the machine: the sid .deb and the pure-Python packages it needs
# that the machine's python3 lacks are downloaded with a private apt state
# (scripts/apt-private.sh) and unpacked with `dpkg-deb -x` into the ignored .cache/b4;
# .cache/b4/bin/b4 runs it under the machine's /usr/bin/python3 with PYTHONPATH set.
#
# b4 imports dkim, dns, liblore, patatt, requests at start-up (b4/__init__.py). The review
# parts we test (check commands, agent-review integration) need nothing else, and the
# review views (b4/review_tui) need textual and rich; python3-pygit2
# (a C extension built for sid's Python 3.14) and git-filter-repo are for other commands and
# are not fetched. python3-nacl is imported only for ed25519 signing, which we never do.
#
# Result: .cache/b4/bin/b4, .cache/b4/root/..., .cache/b4/.stamp (versions, written last).
# Idempotent: with the stamp present it only checks the runner starts.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
DEST="${LL_B4_CACHE:-$REPO/.cache/b4}"
PY="${LL_B4_PYTHON:-/usr/bin/python3}"
# shellcheck source=apt-private.sh
. "$HERE/apt-private.sh"

die() { echo "fetch-b4: ERROR: $*" >&2; exit 1; }
# Debian package -> the Python module it provides (the package is fetched only if the
# machine's python3 cannot import the module).
PKGS=(b4:b4 python3-liblore:liblore python3-patatt:patatt python3-dkim:dkim
  python3-dnspython:dns python3-requests:requests python3-urllib3:urllib3 python3-idna:idna
  python3-certifi:certifi python3-charset-normalizer:charset_normalizer
  # b4's review views (textual + rich): the tests render check details with b4's own code.
  python3-textual:textual python3-rich:rich python3-markdown-it:markdown_it
  python3-mdit-py-plugins:mdit_py_plugins python3-platformdirs:platformdirs
  python3-pygments:pygments python3-typing-extensions:typing_extensions)

check_runner() { "$DEST/bin/b4" --version 2>/dev/null; }

if [ -f "$DEST/.stamp" ] && v="$(check_runner)"; then
  echo "fetch-b4: b4 $v already at $DEST ($(tr '\n' ' ' <"$DEST/.stamp"))"
  exit 0
fi
for tool in apt-get apt-cache dpkg-deb; do
  command -v "$tool" >/dev/null || die "'$tool' not found (this script needs a Debian-based machine)"
done
[ -x "$PY" ] || die "$PY not found"

apt_private_update sid || die "cannot read sid's package lists"
rm -rf "$DEST"
work="$(mktemp -d "${TMPDIR:-/tmp}/fetch-b4.XXXXXX")"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # apt-get download as root drops to user _apt
mkdir -p "$DEST/root" "$DEST/bin"
: >"$work/stamp"
for entry in "${PKGS[@]}"; do
  pkg="${entry%%:*}" mod="${entry#*:}"
  if [ "$pkg" != b4 ] && "$PY" -c "import $mod" 2>/dev/null; then
    echo "fetch-b4: $pkg: the machine's python3 has $mod"
    continue
  fi
  ver="$(apt_private_candidate sid "$pkg")"
  [ -n "$ver" ] || die "sid has no candidate for $pkg"
  echo "fetch-b4: downloading $pkg=$ver (sid)"
  apt_private_download sid "$pkg=$ver" "$work/dl-$pkg" || die "apt-get download $pkg=$ver failed"
  deb="$(ls "$work/dl-$pkg"/*.deb | head -n1)"
  dpkg-deb -x "$deb" "$DEST/root" || die "dpkg-deb -x failed on $deb"
  echo "$pkg=$ver" >>"$work/stamp"
done

cat >"$DEST/bin/b4" <<EOF
#!/bin/sh
# b4 from Debian sid, unpacked by scripts/fetch-b4.sh, on the machine's python3.
PYTHONPATH="$DEST/root/usr/lib/python3/dist-packages\${PYTHONPATH:+:\$PYTHONPATH}" \\
  exec "$PY" -c 'import sys; from b4.command import cmd; sys.argv[0] = "b4"; sys.exit(cmd())' "\$@"
EOF
chmod 755 "$DEST/bin/b4"
v="$(check_runner)" || { "$DEST/bin/b4" --version >&2 || true; die "the unpacked b4 does not start under $PY"; }
mv "$work/stamp" "$DEST/.stamp"
echo "fetch-b4: b4 $v at $DEST ($(du -sh "$DEST" | cut -f1); $(tr '\n' ' ' <"$DEST/.stamp"))"
