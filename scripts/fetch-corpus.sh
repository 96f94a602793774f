#!/usr/bin/env bash
# Fetch real Linux kernel sources from Debian's archive at run time into an ignored cache, for
# checking the analyser against real code. Kernel source is GPL code written by others: it is
# never committed (not even as a fixture); it lives only under .cache/ (see .gitignore).
#
# Result: $LL_CACHE/<series>/{fs/nfsd,fs/nfs,fs/smb/server,kernel/workqueue.c}
#         $LL_CACHE/<series>/.stamp   ("<package>=<exact Debian version>", written last)
# LL_CACHE defaults to <repo>/.cache/kernel. Idempotent: a series whose stamp exists is skipped.
# Usage: scripts/fetch-corpus.sh            (both 6.12 and 6.1)
#        scripts/fetch-corpus.sh 6.12       (only the named series)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
CACHE="${LL_CACHE:-$REPO/.cache/kernel}"
SERIES=("$@")
[ ${#SERIES[@]} -gt 0 ] || SERIES=(6.12 6.1)
# Members to keep, relative to the kernel tree root.
MEMBERS=(fs/nfsd fs/nfs fs/smb/server kernel/workqueue.c)

die() { echo "fetch-corpus: ERROR: $*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }

# Candidate version apt knows for a package, or nothing.
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2 }'; }

for tool in apt-get apt-cache dpkg-deb tar xz; do
  command -v "$tool" >/dev/null || die "'$tool' not found (this script needs a Debian-based machine)"
done

T_ALL=$(now_ms)
APT_UPDATED=0
mkdir -p "$CACHE"
# One fetch at a time per cache (a second concurrent run waits, then finds the stamps).
if command -v flock >/dev/null; then exec 9>"$CACHE/.lock"; flock 9; fi

for s in "${SERIES[@]}"; do
  pkg="linux-source-$s"
  dest="$CACHE/$s"
  if [ -f "$dest/.stamp" ]; then
    echo "fetch-corpus: $s already cached at $dest ($(cat "$dest/.stamp"))"
    continue
  fi
  T0=$(now_ms)

  ver="$(candidate "$pkg")"
  if [ -z "$ver" ] && [ "$APT_UPDATED" = 0 ]; then
    echo "fetch-corpus: apt does not know $pkg yet; running apt-get update"
    [ "$(id -u)" = 0 ] || die "apt-get update needs root (or run it yourself first), then re-run"
    apt-get update -q >/dev/null || die "apt-get update failed (is the Debian archive reachable?)"
    APT_UPDATED=1
    ver="$(candidate "$pkg")"
  fi
  [ -n "$ver" ] || die "apt has no candidate for $pkg (check /etc/apt/sources.list* incl. bookworm-security)"

  # Work dir inside the cache: same filesystem (cheap mv), removed on exit whatever happens.
  # A run killed hard (SIGKILL, machine stop) leaves its work dir behind: drop those first.
  rm -rf "$CACHE/.work-$s".*
  work="$(mktemp -d "$CACHE/.work-$s.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  # apt-get download as root drops to user _apt, which must be able to write the target dir.
  chmod 755 "$work"; mkdir -p "$work/dl"; chmod 777 "$work/dl"

  echo "fetch-corpus: downloading $pkg=$ver ..."
  ( cd "$work/dl" && apt-get download -q "$pkg=$ver" ) \
    || die "apt-get download $pkg=$ver failed (network? stale lists: try 'apt-get update')"
  deb="$(ls "$work"/dl/*.deb 2>/dev/null | head -n1)"
  [ -n "$deb" ] || die "apt-get download reported success but no .deb in $work/dl"
  T1=$(now_ms)

  dpkg-deb -x "$deb" "$work/root" || die "dpkg-deb -x failed on $deb"
  rm -f "$deb"
  tarball="$(find "$work/root/usr/src" -maxdepth 1 -name 'linux-source-*.tar.xz' | head -n1)"
  [ -n "$tarball" ] || die "no /usr/src/linux-source-*.tar.xz inside $pkg"
  T2=$(now_ms)

  # Top dir in the tarball is linux-source-X/; strip it so paths read fs/nfsd/filecache.c.
  patterns=()
  for m in "${MEMBERS[@]}"; do patterns+=("linux-source-*/$m"); done
  mkdir -p "$work/tree"
  tar -xJf "$tarball" -C "$work/tree" --strip-components=1 --wildcards "${patterns[@]}" \
    || die "extracting ${MEMBERS[*]} from $(basename "$tarball") failed"
  for m in "${MEMBERS[@]}"; do
    [ -e "$work/tree/$m" ] || die "$m missing from $(basename "$tarball")"
  done
  echo "$pkg=$ver" > "$work/tree/.stamp"
  rm -rf "$dest"                 # a partial earlier attempt (no stamp)
  mv "$work/tree" "$dest"
  rm -rf "$work"; trap - EXIT
  T3=$(now_ms)

  echo "fetch-corpus: $s -> $dest ($pkg=$ver, $(du -sh "$dest" | cut -f1)," \
       "$(find "$dest" -name '*.[ch]' | wc -l) .c/.h files)"
  echo "fetch-corpus:   download $(secs $((T1-T0))), unpack .deb $(secs $((T2-T1)))," \
       "extract $(secs $((T3-T2))), total $(secs $((T3-T0)))"
done

echo "fetch-corpus: cache at $CACHE ($(du -sh "$CACHE" | cut -f1)); took $(secs $(( $(now_ms) - T_ALL )))"
