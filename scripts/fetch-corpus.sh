#!/usr/bin/env bash
# Fetch real Linux kernel sources from Debian's archive at run time into an ignored cache, for
# checking the analyser against real code. Kernel source is GPL code written by others: it is
# never committed (not even as a fixture); it lives only under .cache/ (see .gitignore).
#
# Four kernels, one per Debian suite, read with a private apt state (scripts/apt-private.sh;
# the machine's apt configuration is never touched, nothing is installed):
#   5.10 (bullseye)  6.1 (bookworm)  6.12 (trixie)  sid (the newest linux-source-N.M in sid)
#
# Result: $LL_CACHE/<series>/<members>   $LL_CACHE/<series>/.stamp ("<package>=<version>", last)
# Members: the subsystems we triage (fs/nfsd, fs/nfs, fs/smb/server where the kernel has it),
# plus what a file's tree lookup needs to follow callees out of them: the VFS files directly in
# fs/, fs/notify, include/linux, kernel/workqueue.c, mm/list_lru.c.
# With --full SERIES the complete tree goes to $LL_CACHE/<series>-full (for the index benchmark).
# LL_CACHE defaults to <repo>/.cache/kernel. Idempotent: a folder whose stamp exists is skipped.
# Usage: scripts/fetch-corpus.sh                 (all four)
#        scripts/fetch-corpus.sh 6.12 sid        (only the named series)
#        scripts/fetch-corpus.sh --full 6.12     (the whole 6.12 tree)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
CACHE="${LL_CACHE:-$REPO/.cache/kernel}"
# shellcheck source=apt-private.sh
. "$HERE/apt-private.sh"

FULL=0
if [ "${1:-}" = --full ]; then FULL=1; shift; fi
SERIES=("$@")
[ ${#SERIES[@]} -gt 0 ] || SERIES=(5.10 6.1 6.12 sid)
# Members relative to the tree root. Directories recurse; `*` never crosses a `/`.
MEMBERS=(fs/nfsd fs/nfs fs/smb/server 'fs/*.c' 'fs/*.h' fs/notify include/linux
  kernel/workqueue.c mm/list_lru.c)
REQUIRED=(fs/nfsd fs/nfs)

die() { echo "fetch-corpus: ERROR: $*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }

suite_of() {
  case "$1" in
    5.10) echo bullseye ;; 6.1) echo bookworm ;; 6.12) echo trixie ;; sid) echo sid ;;
    *) die "unknown series '$1' (known: 5.10 6.1 6.12 sid)" ;;
  esac
}

for tool in apt-get apt-cache dpkg-deb tar xz; do
  command -v "$tool" >/dev/null || die "'$tool' not found (this script needs a Debian-based machine)"
done

T_ALL=$(now_ms)
mkdir -p "$CACHE"
# One fetch at a time per cache (a second concurrent run waits, then finds the stamps).
if command -v flock >/dev/null; then exec 9>"$CACHE/.lock"; flock 9; fi

for s in "${SERIES[@]}"; do
  suite="$(suite_of "$s")"
  dest="$CACHE/$s"
  [ "$FULL" = 1 ] && dest="$CACHE/$s-full"
  if [ -f "$dest/.stamp" ]; then
    echo "fetch-corpus: $s already cached at $dest ($(cat "$dest/.stamp"))"
    continue
  fi
  T0=$(now_ms)
  apt_private_update "$suite" || die "cannot read the package lists of $suite"
  if [ "$s" = sid ]; then
    # The newest kernel source sid has (linux-source-7.2 at the time of writing).
    pkg="$(apt_private_search sid '^linux-source-[0-9]+\.[0-9]+$' | sort -V | tail -n1)"
    [ -n "$pkg" ] || die "sid lists no linux-source-N.M package"
  else
    pkg="linux-source-$s"
  fi
  ver="$(apt_private_candidate "$suite" "$pkg")"
  [ -n "$ver" ] || die "$suite has no candidate for $pkg"

  # Work dir inside the cache: same filesystem (cheap mv), removed on exit whatever happens.
  # A run killed hard (SIGKILL, machine stop) leaves its work dir behind: drop those first.
  rm -rf "$CACHE/.work-$s".*
  work="$(mktemp -d "$CACHE/.work-$s.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  chmod 755 "$work"

  echo "fetch-corpus: downloading $pkg=$ver ($suite) ..."
  apt_private_download "$suite" "$pkg=$ver" "$work/dl" \
    || die "apt-get download $pkg=$ver failed (network?)"
  deb="$(ls "$work"/dl/*.deb 2>/dev/null | head -n1)"
  [ -n "$deb" ] || die "apt-get download reported success but no .deb in $work/dl"
  T1=$(now_ms)

  dpkg-deb -x "$deb" "$work/root" || die "dpkg-deb -x failed on $deb"
  rm -f "$deb"
  tarball="$(find "$work/root/usr/src" -maxdepth 1 -name 'linux-source-*.tar.*' | head -n1)"
  [ -n "$tarball" ] || die "no /usr/src/linux-source-*.tar.* inside $pkg"
  T2=$(now_ms)

  # Top dir in the tarball is linux-source-X/; strip it so paths read fs/nfsd/filecache.c.
  mkdir -p "$work/tree"
  if [ "$FULL" = 1 ]; then
    tar -xaf "$tarball" -C "$work/tree" --strip-components=1 || die "extracting $(basename "$tarball") failed"
  else
    # Only the members the tarball has (5.10 has no fs/smb/server): list once, then extract.
    listing="$(tar -taf "$tarball" --no-wildcards-match-slash --wildcards \
      "linux-source-*/fs/*" "linux-source-*/include/linux/*" "linux-source-*/kernel/workqueue.c" \
      "linux-source-*/mm/list_lru.c" | cut -d/ -f2- | sort)"
    patterns=()
    for m in "${MEMBERS[@]}"; do
      re="^$(printf '%s' "$m" | sed 's/\./\\./g; s/\*/[^\/]*/g')(/|\$)"
      if grep -qE "$re" <<<"$listing"; then patterns+=("linux-source-*/$m"); fi
    done
    tar -xaf "$tarball" -C "$work/tree" --strip-components=1 --no-wildcards-match-slash \
      --wildcards "${patterns[@]}" || die "extracting members of $(basename "$tarball") failed"
    for m in "${REQUIRED[@]}"; do
      [ -e "$work/tree/$m" ] || die "$m missing from $(basename "$tarball")"
    done
  fi
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
