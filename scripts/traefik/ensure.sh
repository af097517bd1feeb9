#!/usr/bin/env bash
# Ensures a Traefik binary (the Gateway API data plane of the loop suite and benchmark) and
# prints its path as the LAST line of stdout. Everything else goes to stderr.
#
#  1. TRAEFIK_BIN, when set, must be an executable: it is used as is.
#  2. Else the binary built from the official module github.com/traefik/traefik/v3 at
#     $TRAEFIK_VERSION (./cmd/traefik), cached under
#     ${GATI_KUBE_CACHE:-$HOME/.cache/gati-operator}/traefik-<version>-<go version>/ and built
#     there when missing (about 5 minutes cold on 2 idle cores, a 245 MB binary).
#     v3.7.x cannot be built through the module proxy here: its go.mod replaces
#     github.com/abbot/go-http-auth with a version the proxy refuses.
#  3. No Go toolchain and nothing cached: exit 3 with "SKIP: ...".
#
# Exit codes: 0 ok; 3 "SKIP: ..."; other = failure (bad variable, build error).
set -euo pipefail

log() { printf '[traefik] %s\n' "$*" >&2; }
die() { printf '[traefik] ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=../lib/build-cache.sh
. "$(dirname "$0")/../lib/build-cache.sh"

TRAEFIK_VERSION="${TRAEFIK_VERSION:-v3.6.12}"

ensure_module_binary traefik github.com/traefik/traefik/v3 "$TRAEFIK_VERSION" ./cmd/traefik \
  "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" version
