#!/usr/bin/env bash
# Ensures a directory holding kube-apiserver, etcd and kubectl binaries (and, with
# --controller-manager, kube-controller-manager) for the integration tests and prints its
# path as the LAST line of stdout. Everything else goes to stderr.
#
#  1. If KUBEBUILDER_ASSETS is set and holds kube-apiserver and etcd (and kube-controller-manager
#     when asked for), use it. envtest's asset dirs ship no kube-controller-manager, so with
#     --controller-manager they are ignored (with a log line) rather than mixed with a binary of
#     another Kubernetes version: the controller manager must not be newer than the API server.
#  2. Else reuse ${GATI_KUBE_CACHE:-$HOME/.cache/gati-operator}/kube-<v>-etcd-<v>/.
#  3. Else build what is missing there from the official Go modules pinned in apiserver/go.mod
#     and etcd/go.mod (through the Go module proxy). A cold build of the first three takes
#     roughly 9 minutes on 2 idle cores; kube-controller-manager adds a few more and is built only
#     when asked for. A cache made before kube-controller-manager existed gets it added.
#
# Usage: ensure.sh [--controller-manager]
# Exit codes: 0 ok; 3 "SKIP: ..." (no usable Go toolchain); other = failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[kube-bin] %s\n' "$*" >&2; }
die() { printf '[kube-bin] ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=../lib/build-cache.sh
. "$(dirname "$0")/../lib/build-cache.sh"

NEED=(etcd kube-apiserver)
case "${1:-}" in
  "") ;;
  --controller-manager) NEED+=(kube-controller-manager) ;;
  *) die "unknown argument '$1' (usage: ensure.sh [--controller-manager])" ;;
esac
has_bins() { # dir bins...
  local d="$1" b; shift
  [ -n "$d" ] || return 1
  for b in "$@"; do [ -x "$d/$b" ] || return 1; done
}

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if has_bins "$KUBEBUILDER_ASSETS" "${NEED[@]}"; then
    log "using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
    printf '%s\n' "$KUBEBUILDER_ASSETS"
    exit 0
  fi
  log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks one of ${NEED[*]}; ignoring it"
fi

K8S_VERSION="$(awk '$1=="require" && $2=="k8s.io/kubernetes" {print $3}' "$HERE/apiserver/go.mod")"
ETCD_VERSION="$(awk '$1=="require" && $2=="go.etcd.io/etcd/server/v3" {print $3}' "$HERE/etcd/go.mod")"
[ -n "$K8S_VERSION" ] || die "cannot read k8s.io/kubernetes version from $HERE/apiserver/go.mod"
[ -n "$ETCD_VERSION" ] || die "cannot read etcd version from $HERE/etcd/go.mod"

CACHE_ROOT="${GATI_KUBE_CACHE:-$HOME/.cache/gati-operator}"
DEST="$CACHE_ROOT/kube-$K8S_VERSION-etcd-$ETCD_VERSION"
# kubectl is always built with kube-apiserver (same go build); each binary is moved into DEST
# only after it built and ran, so a binary that exists is complete.
missing() {
  local b
  for b in "${NEED[@]}" kubectl; do [ -x "$DEST/$b" ] || printf '%s\n' "$b"; done
}

if [ -z "$(missing)" ]; then
  log "cached: $DEST"
  printf '%s\n' "$DEST"
  exit 0
fi

# --- need to build: check the toolchain -------------------------------------
if ! command -v go >/dev/null 2>&1; then
  printf 'SKIP: go toolchain not found on PATH (needed to build %s %s; or set KUBEBUILDER_ASSETS)\n' \
    "$(missing | tr '\n' ' ')" "$K8S_VERSION"
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

lock_build "$CACHE_ROOT/.lock" 3600 kube-bin
if [ -z "$(missing)" ]; then   # somebody else built it while we waited
  log "cached: $DEST"
  printf '%s\n' "$DEST"
  exit 0
fi

TODO="$(missing | tr '\n' ' ')"
mkdir -p "$DEST"
scratch_dir "$DEST"

export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
: >"$LOG"
START=$(date +%s)
log "building ${TODO}(Kubernetes $K8S_VERSION, etcd $ETCD_VERSION) with $GO_VER into $DEST"
log "kube-apiserver+kubectl+etcd take ~9 min on 2 idle cores the first time, kube-controller-manager a few more; log: $LOG"

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
wants() { case " $TODO " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

if wants etcd; then build "$HERE/etcd" "$TMP/etcd" "-s -w" go.etcd.io/etcd/server/v3; fi
# One go build for the Kubernetes binaries, so the packages they share compile once.
PKGS=()
if wants kube-apiserver || wants kubectl; then
  PKGS+=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl)
fi
if wants kube-controller-manager; then PKGS+=(k8s.io/kubernetes/cmd/kube-controller-manager); fi
if [ ${#PKGS[@]} -eq 1 ]; then
  build "$HERE/apiserver" "$TMP/${PKGS[0]##*/}" "$KLD" "${PKGS[@]}"
elif [ ${#PKGS[@]} -gt 1 ]; then
  build "$HERE/apiserver" "$TMP/" "$KLD" "${PKGS[@]}"
fi

for b in $TODO; do
  [ -x "$TMP/$b" ] || die "$b was not built"
  if [ "$b" = kubectl ]; then v=(version --client); else v=(--version); fi
  "$TMP/$b" "${v[@]}" >&2 || die "built $b does not run"
done
for b in $TODO; do mv -f "$TMP/$b" "$DEST/$b"; done
printf 'kubernetes %s\netcd %s\ngo %s\n' "$K8S_VERSION" "$ETCD_VERSION" "$GO_VER" >"$DEST/VERSIONS"
touch "$DEST/.complete"   # read by older copies of this script
log "built ${TODO}in $(( $(date +%s) - START ))s: $DEST"
printf '%s\n' "$DEST"
