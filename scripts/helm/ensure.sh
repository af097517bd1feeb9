#!/usr/bin/env bash
# Ensures a helm binary for the render tests and prints its path as the LAST
# line of stdout. Everything else goes to stderr.
#
#  1. If HELM_BIN is set and executable, use it.
#  2. Else reuse ${GATI_HELM_CACHE:-$HOME/.cache/gati-operator}/helm-<v>/helm.
#  3. Else use a `helm` on PATH whose version matches <v>.
#  4. Else build it there from the official Go module helm.sh/helm/v3@<v>
#     through the Go module proxy (a cold build takes a few minutes).
#
# With --cached-only, step 4 is skipped: exit 4 "SKIP: ..." when there is nothing to reuse
# (tests use this so a cold build never runs inside a test timeout).
#
# Exit codes: 0 ok; 3 "SKIP: ..." (no helm and no usable Go toolchain); 4 (--cached-only, not built); other = failure.
set -euo pipefail
CACHED_ONLY=0
[ "${1:-}" = "--cached-only" ] && CACHED_ONLY=1

HELM_VERSION="${GATI_HELM_VERSION:-v3.17.4}"
log() { printf '[helm] %s\n' "$*" >&2; }
die() { printf '[helm] ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=../lib/build-cache.sh
. "$(dirname "$0")/../lib/build-cache.sh"

if [ -n "${HELM_BIN:-}" ]; then
  [ -x "$HELM_BIN" ] || die "HELM_BIN=$HELM_BIN is not executable"
  printf '%s\n' "$HELM_BIN"
  exit 0
fi

CACHE_ROOT="${GATI_HELM_CACHE:-$HOME/.cache/gati-operator}"
DEST="$CACHE_ROOT/helm-$HELM_VERSION"
if [ -x "$DEST/helm" ] && [ -f "$DEST/.complete" ]; then
  log "cached: $DEST/helm"
  printf '%s\n' "$DEST/helm"
  exit 0
fi

if command -v helm >/dev/null 2>&1 && helm version --short 2>/dev/null | grep -q "^$HELM_VERSION"; then
  log "using helm on PATH: $(command -v helm)"
  command -v helm
  exit 0
fi

if [ "$CACHED_ONLY" = 1 ]; then
  printf 'SKIP: helm %s not built yet: run scripts/helm/ensure.sh (a few minutes) or set HELM_BIN\n' "$HELM_VERSION"
  exit 4
fi
if ! command -v go >/dev/null 2>&1; then
  printf 'SKIP: neither helm %s nor a go toolchain (to build it) found on PATH; or set HELM_BIN\n' "$HELM_VERSION"
  exit 3
fi

mkdir -p "$CACHE_ROOT"
LOG="$CACHE_ROOT/build-helm-$HELM_VERSION.log"
lock_build "$CACHE_ROOT/.helm.lock" 1800 helm
if [ -x "$DEST/helm" ] && [ -f "$DEST/.complete" ]; then
  printf '%s\n' "$DEST/helm"
  exit 0
fi

scratch_dir "$DEST"
START=$(date +%s)
log "building helm $HELM_VERSION into $DEST (log: $LOG)"
LDF="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
if ! (cd "$TMP" && GOFLAGS= GOBIN="$TMP" CGO_ENABLED=0 GOTOOLCHAIN=local \
      go install -trimpath -ldflags "$LDF" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION") >"$LOG" 2>&1; then
  tail -n 40 "$LOG" >&2 || true
  die "go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION failed (full log: $LOG)"
fi
"$TMP/helm" version --short >&2 || die "built helm does not run"
touch "$TMP/.complete"
rm -rf "$DEST"
mv "$TMP" "$DEST"
trap - EXIT
log "built in $(( $(date +%s) - START ))s: $DEST/helm"
printf '%s\n' "$DEST/helm"
