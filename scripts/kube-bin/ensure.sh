#!/usr/bin/env bash
# Ensures a directory holding kube-apiserver, etcd and kubectl binaries for
# the integration tests and prints its path as the LAST line of stdout.
# Everything else goes to stderr.
#
#  1. If KUBEBUILDER_ASSETS is set and holds kube-apiserver and etcd, use it.
#  2. Else reuse ${GATI_KUBE_CACHE:-$HOME/.cache/gati-operator}/kube-<v>-etcd-<v>/.
#  3. Else build them there from the official Go modules pinned in
#     apiserver/go.mod and etcd/go.mod (through the Go module proxy; a cold
#     build takes roughly 10-20 minutes on 2 cores).
#
# Exit codes: 0 ok; 3 "SKIP: ..." (no usable Go toolchain); other = failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[kube-bin] %s\n' "$*" >&2; }
die() { printf '[kube-bin] ERROR: %s\n' "$*" >&2; exit 1; }
has_bins() { [ -n "$1" ] && [ -x "$1/kube-apiserver" ] && [ -x "$1/etcd" ]; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if has_bins "$KUBEBUILDER_ASSETS"; then
    log "using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
    printf '%s\n' "$KUBEBUILDER_ASSETS"
    exit 0
  fi
  log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks kube-apiserver/etcd; ignoring it"
fi

K8S_VERSION="$(awk '$1=="require" && $2=="k8s.io/kubernetes" {print $3}' "$HERE/apiserver/go.mod")"
ETCD_VERSION="$(awk '$1=="require" && $2=="go.etcd.io/etcd/server/v3" {print $3}' "$HERE/etcd/go.mod")"
[ -n "$K8S_VERSION" ] || die "cannot read k8s.io/kubernetes version from $HERE/apiserver/go.mod"
[ -n "$ETCD_VERSION" ] || die "cannot read etcd version from $HERE/etcd/go.mod"

CACHE_ROOT="${GATI_KUBE_CACHE:-$HOME/.cache/gati-operator}"
DEST="$CACHE_ROOT/kube-$K8S_VERSION-etcd-$ETCD_VERSION"
is_complete() { has_bins "$DEST" && [ -f "$DEST/.complete" ]; }

if is_complete; then
  log "cached: $DEST"
  printf '%s\n' "$DEST"
  exit 0
fi

# --- need to build: check the toolchain -------------------------------------
if ! command -v go >/dev/null 2>&1; then
  printf 'SKIP: go toolchain not found on PATH (needed to build kube-apiserver %s and etcd %s; or set KUBEBUILDER_ASSETS)\n' \
    "$K8S_VERSION" "$ETCD_VERSION"
  exit 3
fi
GO_VER="$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null || true)"   # e.g. go1.26.8
GO_MINOR="$(printf '%s' "$GO_VER" | sed -nE 's/^go1\.([0-9]+).*/\1/p')"
if [ -z "$GO_MINOR" ] || [ "$GO_MINOR" -lt 24 ]; then
  printf 'SKIP: go >= 1.24 needed to build kube-apiserver %s (found %s; or set KUBEBUILDER_ASSETS)\n' \
    "$K8S_VERSION" "${GO_VER:-unknown}"
  exit 3
fi

mkdir -p "$CACHE_ROOT"
LOG="$CACHE_ROOT/build-kube-$K8S_VERSION-etcd-$ETCD_VERSION.log"

# Serialise concurrent callers (e.g. parallel test files) on one lock.
exec 9>"$CACHE_ROOT/.lock"
if command -v flock >/dev/null 2>&1; then
  if ! flock -n 9; then
    log "another build is running (lock $CACHE_ROOT/.lock); waiting..."
    flock -w 3600 9 || die "timed out waiting for the build lock"
  fi
fi
if is_complete; then   # somebody else built it while we waited
  log "cached: $DEST"
  printf '%s\n' "$DEST"
  exit 0
fi

TMP="$DEST.tmp.$$"
rm -rf "$TMP"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT

export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
: >"$LOG"
START=$(date +%s)
log "building kube-apiserver+kubectl $K8S_VERSION and etcd $ETCD_VERSION with $GO_VER into $DEST"
log "this takes ~9 min on 2 idle cores the first time (much longer on a loaded machine); log: $LOG"

MINOR="${K8S_VERSION#v1.}"; MINOR="${MINOR%%.*}"
KLD="-s -w"
for kv in "gitVersion=$K8S_VERSION" "gitMajor=1" "gitMinor=$MINOR" "gitTreeState=clean"; do
  KLD="$KLD -X k8s.io/component-base/version.$kv"
done

build() { # dir out ldflags pkgs...
  local dir="$1" out="$2" ld="$3"; shift 3
  log "go build $* (in ${dir#"$HERE"/})"
  if ! (cd "$dir" && go build -trimpath -ldflags "$ld" -o "$out" "$@") >>"$LOG" 2>&1; then
    tail -n 40 "$LOG" >&2 || true
    die "go build $* failed (full log: $LOG)"
  fi
}
build "$HERE/etcd" "$TMP/etcd" "-s -w" go.etcd.io/etcd/server/v3
build "$HERE/apiserver" "$TMP/" "$KLD" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl

"$TMP/kube-apiserver" --version >&2 || die "built kube-apiserver does not run"
"$TMP/etcd" --version >&2 || die "built etcd does not run"
printf 'kubernetes %s\netcd %s\ngo %s\n' "$K8S_VERSION" "$ETCD_VERSION" "$GO_VER" >"$TMP/VERSIONS"
touch "$TMP/.complete"

rm -rf "$DEST"
mv "$TMP" "$DEST"
trap - EXIT
log "built in $(( $(date +%s) - START ))s: $DEST"
printf '%s\n' "$DEST"
