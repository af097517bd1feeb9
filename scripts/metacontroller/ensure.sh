#!/usr/bin/env bash
# Ensures a Metacontroller binary for the loop suite and benchmark and prints its path as the
# LAST line of stdout. Everything else goes to stderr.
#
#  1. METACONTROLLER_BIN, when set, must be an executable: it is used as is.
#  2. Else METACONTROLLER_SRC names a Metacontroller source tree (go.mod, pkg/cmd/metacontroller;
#     it may be read-only). The binary is cached under
#     ${GATI_KUBE_CACHE:-$HOME/.cache/gati-operator}/metacontroller-<version>-<source hash>-<go>/
#     and built there when missing, inside the source dir, with
#       CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -o <cache>/metacontroller ./pkg/cmd/metacontroller
#     (dependencies through the Go module proxy; the module cache is writable, the source need not be).
#  3. Neither: exit 3 with "SKIP: ..." naming both variables.
#
# Exit codes: 0 ok; 3 "SKIP: ..."; other = failure (bad variable, build error).
set -euo pipefail

log() { printf '[metacontroller] %s\n' "$*" >&2; }
die() { printf '[metacontroller] ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=../lib/build-cache.sh
. "$(dirname "$0")/../lib/build-cache.sh"

if [ -n "${METACONTROLLER_BIN:-}" ]; then
  [ -x "$METACONTROLLER_BIN" ] || die "METACONTROLLER_BIN=$METACONTROLLER_BIN is not an executable file"
  log "using METACONTROLLER_BIN=$METACONTROLLER_BIN"
  printf '%s\n' "$METACONTROLLER_BIN"
  exit 0
fi

if [ -z "${METACONTROLLER_SRC:-}" ]; then
  printf 'SKIP: neither METACONTROLLER_BIN (a metacontroller binary) nor METACONTROLLER_SRC (its Go source tree) is set\n'
  exit 3
fi
SRC="$(cd "$METACONTROLLER_SRC" 2>/dev/null && pwd)" || die "METACONTROLLER_SRC=$METACONTROLLER_SRC is not a directory"
[ -f "$SRC/go.mod" ] && [ -d "$SRC/pkg/cmd/metacontroller" ] ||
  die "METACONTROLLER_SRC=$SRC has no go.mod and pkg/cmd/metacontroller"

if ! command -v go >/dev/null 2>&1; then
  printf 'SKIP: go toolchain not found on PATH (needed to build Metacontroller from METACONTROLLER_SRC=%s; or set METACONTROLLER_BIN)\n' "$SRC"
  exit 3
fi
GO_VER="$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null || true)"
[ -n "$GO_VER" ] || die "cannot read the Go version (go env GOVERSION)"

# The source's version: its git tag when it is a checkout, else a vX.Y.Z in its directory name.
VERSION="$(git -C "$SRC" describe --tags --always 2>/dev/null || true)"
[ -n "$VERSION" ] || VERSION="$(basename "$SRC" | grep -oE 'v[0-9]+\.[0-9]+\.[0-9]+[^/]*$' || true)"
[ -n "$VERSION" ] || VERSION=unversioned
# A hash of what the build reads, so an edited tree under the same name never reuses a stale binary.
HASH="$(cd "$SRC" && find go.mod go.sum pkg -type f -name '*.go' -o -type f -name 'go.*' | LC_ALL=C sort |
  xargs sha256sum | sha256sum | cut -c1-12)"

CACHE_ROOT="${GATI_KUBE_CACHE:-$HOME/.cache/gati-operator}"
DEST="$CACHE_ROOT/metacontroller-$VERSION-$HASH-$GO_VER"
if [ -x "$DEST/metacontroller" ] && [ -f "$DEST/.complete" ]; then
  log "cached: $DEST/metacontroller"
  printf '%s\n' "$DEST/metacontroller"
  exit 0
fi

mkdir -p "$CACHE_ROOT"
LOG="$CACHE_ROOT/build-metacontroller-$VERSION.log"
lock_build "$CACHE_ROOT/.lock-metacontroller" 3600 Metacontroller
if [ -x "$DEST/metacontroller" ] && [ -f "$DEST/.complete" ]; then
  printf '%s\n' "$DEST/metacontroller"
  exit 0
fi

scratch_dir "$DEST"
START=$(date +%s)
log "building Metacontroller $VERSION from $SRC with $GO_VER (about 4 min cold on 2 cores); log: $LOG"
if ! (cd "$SRC" && CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -o "$TMP/metacontroller" ./pkg/cmd/metacontroller) >"$LOG" 2>&1; then
  tail -n 40 "$LOG" >&2 || true
  die "go build ./pkg/cmd/metacontroller failed (full log: $LOG)"
fi
"$TMP/metacontroller" --help >/dev/null 2>&1 || [ $? -eq 2 ] || die "built metacontroller does not run"
printf 'metacontroller %s\nsource %s\nsource-hash %s\ngo %s\n' "$VERSION" "$SRC" "$HASH" "$GO_VER" >"$TMP/VERSIONS"
touch "$TMP/.complete"
rm -rf "$DEST"; mv "$TMP" "$DEST"
trap - EXIT
log "built in $(( $(date +%s) - START ))s: $DEST/metacontroller"
printf '%s\n' "$DEST/metacontroller"
