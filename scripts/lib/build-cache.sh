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

# module_dir MODULE VERSION: prints the directory of MODULE@VERSION in the Go module cache,
# fetched through the Go module proxy when missing. Outside any module and workspace, so no
# caller's go.mod or go.work is involved.
module_dir() {
  local work json dir
  work="$(mktemp -d)"
  json="$(cd "$work" && GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local go mod download -json "$1@$2" 2>&1)" || {
    rm -rf "$work"; printf '%s\n' "$json" >&2; die "go mod download $1@$2 failed"; }
  rm -rf "$work"
  dir="$(printf '%s\n' "$json" | sed -nE 's/^[[:space:]]*"Dir": "(.*)",?$/\1/p')"
  [ -n "$dir" ] && [ -d "$dir" ] || die "go mod download $1@$2 names no directory (Dir=$dir)"
  printf '%s\n' "$dir"
}

# ensure_module_binary NAME MODULE VERSION PACKAGE LDFLAGS VERSION-ARGS...: the binary <NAME>_BIN
# names (upper case; it must be executable) when set, else the binary NAME built from
# PACKAGE of the Go module MODULE@VERSION, cached as
#   ${GATI_KUBE_CACHE:-$HOME/.cache/gati-operator}/NAME-VERSION-<go version>/NAME
# and built there when missing from a writable copy of the module's source, with
#   CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off go build -trimpath -ldflags LDFLAGS PACKAGE
# (GOWORK=off: a module may ship a go.work naming folders its zip does not contain), then run
# once with VERSION-ARGS (e.g. --version) to prove it starts. Prints the binary's path as the
# last stdout line; exits 3 with "SKIP: ..." without a Go toolchain.
ensure_module_binary() {
  local name="$1" mod="$2" ver="$3" pkg="$4" ldflags="$5"
  shift 5
  local root="${GATI_KUBE_CACHE:-$HOME/.cache/gati-operator}"
  local override
  override="$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')_BIN"
  if [ -n "${!override:-}" ]; then
    [ -x "${!override}" ] || die "$override=${!override} is not an executable file"
    log "using $override=${!override}"
    printf '%s\n' "${!override}"
    exit 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    printf 'SKIP: go toolchain not found on PATH (needed to build %s %s from %s; or set %s)\n' \
      "$name" "$ver" "$mod" "$override"
    exit 3
  fi
  local go_ver
  go_ver="$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null || true)"
  [ -n "$go_ver" ] || die "cannot read the Go version (go env GOVERSION)"
  local dest="$root/$name-$ver-$go_ver"
  if [ -x "$dest/$name" ] && [ -f "$dest/.complete" ]; then
    log "cached: $dest/$name"
    printf '%s\n' "$dest/$name"
    exit 0
  fi
  mkdir -p "$root"
  local logf="$root/build-$name-$ver.log"
  lock_build "$root/.lock-$name" 3600 "$name"
  if [ -x "$dest/$name" ] && [ -f "$dest/.complete" ]; then
    printf '%s\n' "$dest/$name"
    exit 0
  fi
  scratch_dir "$dest"
  local start src
  start=$(date +%s)
  log "fetching $mod@$ver through the Go module proxy"
  src="$(module_dir "$mod" "$ver")"
  cp -r "$src" "$TMP/src"
  chmod -R u+w "$TMP/src"
  log "building $name $ver ($pkg) with $go_ver (about 5 min cold on 2 idle cores); log: $logf"
  if ! (cd "$TMP/src" && CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=mod \
    go build -trimpath -ldflags "$ldflags" -o "$TMP/$name" "$pkg") >"$logf" 2>&1; then
    tail -n 40 "$logf" >&2 || true
    die "go build $pkg of $mod@$ver failed (full log: $logf)"
  fi
  rm -rf "$TMP/src"
  "$TMP/$name" "$@" >&2 || die "built $name does not run ($name $*)"
  printf '%s %s\nmodule %s\npackage %s\ngo %s\n' "$name" "$ver" "$mod" "$pkg" "$go_ver" >"$TMP/VERSIONS"
  touch "$TMP/.complete"
  rm -rf "$dest"; mv "$TMP" "$dest"
  trap - EXIT
  log "built in $(( $(date +%s) - start ))s: $dest/$name"
  printf '%s\n' "$dest/$name"
  exit 0
}
