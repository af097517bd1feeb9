# Shared by scripts/*/ensure.sh (sourced; each defines log and die first): the steps every
# cached Go build takes the same way.

# lock_build LOCKFILE SECONDS WHAT: serialise concurrent builds (e.g. parallel test files) on
# fd 9; waits up to SECONDS for another caller's build to finish.
lock_build() {
  exec 9>"$1"
  if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
    log "another $3 build is running (lock $1); waiting..."
    flock -w "$2" 9 || die "timed out waiting for the $3 build lock"
  fi
}

# scratch_dir DEST: sets TMP to a fresh directory beside DEST, removed when the script exits
# (the build writes there and moves it into place only once it is complete).
scratch_dir() {
  TMP="$1.tmp.$$"
  rm -rf "$TMP"
  mkdir -p "$TMP"
  trap 'rm -rf "$TMP"' EXIT
}
