# Sourced, not run. Installs Debian packages without touching the others: no recommends, and
# a dry run (apt-get -s) first; when the install would upgrade an installed package (a new
# package needing a newer library), it stops and lists them unless LL_ALLOW_UPGRADE=1.
#   apt_install_only PKG...
apt_install_only() {
  local plan upgrades
  plan=$(apt-get -s -o DPkg::Lock::Timeout=900 install --no-install-recommends "$@" 2>&1) || {
    apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null
    plan=$(apt-get -s install --no-install-recommends "$@" 2>&1)
  }
  # "Inst pkg [old] (new ...)" is an upgrade; "Inst pkg (new ...)" a new package.
  upgrades=$(printf '%s\n' "$plan" | awk '/^Inst [^ ]+ \[/ {print $2" "$3" -> "$4}' | tr -d '[](')
  if [ -n "$upgrades" ] && [ "${LL_ALLOW_UPGRADE:-}" != 1 ]; then
    echo "setup: installing $* would upgrade installed packages:" >&2
    printf "%s\n" "$upgrades" | sed "s/^/  /" >&2
    echo "setup: not done. Install them yourself, or rerun with LL_ALLOW_UPGRADE=1." >&2
    return 1
  fi
  printf '%s\n' "$plan" | awk '/^Inst / {print "setup:   + "$2" "$3}' | tr -d '('
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q \
    --no-install-recommends "$@" >/dev/null
}
