#!/usr/bin/env bash
# Prints the paths of pinned third-party CRD YAML files, one per line on
# stdout (everything else on stderr), fetched as Go modules through the Go
# module proxy (the module zips ship the YAML) and cached under
# ${GATI_KUBE_CACHE:-$HOME/.cache/gati-operator}/thirdparty-crds-.../
#
#   gateway-api: sigs.k8s.io/gateway-api          config/crd/standard/*.yaml
#   keda:        github.com/kedacore/keda/v2      config/crd/bases/*.yaml
#
# Usage: thirdparty-crds.sh [gateway-api] [keda]     (default: both)
# Versions can be overridden with GATEWAY_API_VERSION / KEDA_VERSION.
# Exit codes: 0 ok; 3 "SKIP: ..." (no Go toolchain and nothing cached); other = failure.
set -euo pipefail

GATEWAY_API_VERSION="${GATEWAY_API_VERSION:-v1.3.0}"
KEDA_VERSION="${KEDA_VERSION:-v2.18.3}"

log() { printf '[thirdparty-crds] %s\n' "$*" >&2; }
die() { printf '[thirdparty-crds] ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=../lib/build-cache.sh
. "$(dirname "$0")/../lib/build-cache.sh"

CACHE_ROOT="${GATI_KUBE_CACHE:-$HOME/.cache/gati-operator}"
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(gateway-api keda)

# set -> "module version dir-in-module"
spec() {
  case "$1" in
    gateway-api) echo "sigs.k8s.io/gateway-api $GATEWAY_API_VERSION config/crd/standard" ;;
    keda) echo "github.com/kedacore/keda/v2 $KEDA_VERSION config/crd/bases" ;;
    *) die "unknown CRD set '$1' (known: gateway-api, keda)" ;;
  esac
}

for set in "${sets[@]}"; do
  read -r mod ver sub <<<"$(spec "$set")"
  dest="$CACHE_ROOT/thirdparty-crds/$set-$ver"
  if [ ! -f "$dest/.complete" ]; then
    if ! command -v go >/dev/null 2>&1; then
      printf 'SKIP: go toolchain not found on PATH (needed to fetch %s@%s CRDs through the Go module proxy)\n' "$mod" "$ver"
      exit 3
    fi
    log "fetching $mod@$ver through the Go module proxy"
    dir="$(module_dir "$mod" "$ver")"
    [ -d "$dir/$sub" ] || die "$mod@$ver: $sub not found in module (Dir=$dir)"
    tmp="$dest.tmp.$$"
    rm -rf "$tmp"; mkdir -p "$tmp"
    cp "$dir/$sub"/*.yaml "$tmp/"
    chmod u+w "$tmp"/*.yaml
    [ -n "$(ls "$tmp"/*.yaml 2>/dev/null)" ] || die "$mod@$ver: no *.yaml in $sub"
    printf '%s %s %s\n' "$mod" "$ver" "$sub" >"$tmp/SOURCE"
    touch "$tmp/.complete"
    rm -rf "$dest"; mv "$tmp" "$dest"
  fi
  log "$set $ver: $dest"
  ls -1 "$dest"/*.yaml
done
