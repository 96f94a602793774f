# Sourced, not run. apt with a private sources list, package lists and cache inside the
# ignored cache folder, so other Debian suites (bullseye, trixie, sid) can be read without
# touching the machine's apt configuration or state. Only `update`, `policy` and `download`
# are ever run this way: nothing is installed on the machine.
#
#   apt_private_update SUITE...        fetch the package lists of the named suites (once)
#   apt_private_candidate SUITE PKG     the version apt would take, or nothing
#   apt_private_search SUITE REGEX      package names matching REGEX
#   apt_private_download SUITE PKG=VER DIR
#
# APT_PRIVATE_ROOT (default: <repo>/.cache/apt) holds one folder per suite.

APT_PRIVATE_ROOT="${APT_PRIVATE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache/apt}"
APT_PRIVATE_MIRROR="${APT_PRIVATE_MIRROR:-http://deb.debian.org}"
APT_PRIVATE_KEYRING="${APT_PRIVATE_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"

_apt_private_opts() {
  local d="$APT_PRIVATE_ROOT/$1"
  printf '%s\n' -o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=-" \
    -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o "APT::Get::List-Cleanup=0" \
    -o "Debug::NoLocking=1"
}

# The suites a release is published in: the release itself and, where it has one, its
# security suite (kernel source updates land there first).
_apt_private_sources() {
  local suite="$1" k="signed-by=$APT_PRIVATE_KEYRING"
  echo "deb [$k] $APT_PRIVATE_MIRROR/debian $suite main"
  case "$suite" in
    sid | unstable) ;;
    *) echo "deb [$k] $APT_PRIVATE_MIRROR/debian-security $suite-security main" ;;
  esac
}

apt_private_update() {
  local suite d
  for suite in "$@"; do
    d="$APT_PRIVATE_ROOT/$suite"
    # Lists younger than a day are good enough for fetching a source package.
    if [ -f "$d/.updated" ] && [ -z "$(find "$d/.updated" -mmin +1440 2>/dev/null)" ]; then continue; fi
    mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
    _apt_private_sources "$suite" >"$d/sources.list"
    local -a opts
    mapfile -t opts < <(_apt_private_opts "$suite")
    apt-get "${opts[@]}" -q update >"$d/update.log" 2>&1 || {
      echo "apt-private: 'apt-get update' for $suite failed (is the Debian archive reachable?):" >&2
      tail -n 5 "$d/update.log" >&2
      return 1
    }
    touch "$d/.updated"
  done
}

apt_private_candidate() {
  local -a opts
  mapfile -t opts < <(_apt_private_opts "$1")
  apt-cache "${opts[@]}" policy "$2" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2 }'
}

apt_private_search() {
  local -a opts
  mapfile -t opts < <(_apt_private_opts "$1")
  apt-cache "${opts[@]}" search --names-only "$2" 2>/dev/null | awk '{ print $1 }'
}

apt_private_download() {
  local -a opts
  mapfile -t opts < <(_apt_private_opts "$1")
  # apt-get download as root drops to user _apt, which must be able to write the folder.
  mkdir -p "$3" && chmod 777 "$3"
  (cd "$3" && apt-get "${opts[@]}" -q download "$2") >/dev/null
}
