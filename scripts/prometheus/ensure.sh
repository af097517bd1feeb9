#!/usr/bin/env bash
# Ensures a Prometheus binary (the metrics pipeline of the loop suite and benchmark) and prints
# its path as the LAST line of stdout. Everything else goes to stderr.
#
#  1. PROMETHEUS_BIN, when set, must be an executable: it is used as is.
#  2. Else the binary built from the official module github.com/prometheus/prometheus at
#     $PROMETHEUS_VERSION (./cmd/prometheus, GOWORK=off: the module ships a go.work naming a
#     folder it does not contain), cached under
#     ${GATI_KUBE_CACHE:-$HOME/.cache/gati-operator}/prometheus-<version>-<go version>/ and
#     built there when missing (about 5 minutes cold on 2 idle cores, a 147 MB binary).
#  3. No Go toolchain and nothing cached: exit 3 with "SKIP: ...".
#
# Exit codes: 0 ok; 3 "SKIP: ..."; other = failure (bad variable, build error).
set -euo pipefail

log() { printf '[prometheus] %s\n' "$*" >&2; }
die() { printf '[prometheus] ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=../lib/build-cache.sh
. "$(dirname "$0")/../lib/build-cache.sh"

PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-v0.316.0}"

# The Go module v0.MMM.P is Prometheus M.MM.P (v0.316.0 is Prometheus 3.16.0).
MINOR="${PROMETHEUS_VERSION#v0.}"; MINOR="${MINOR%%.*}"
RELEASE="$((MINOR / 100)).$((MINOR % 100)).${PROMETHEUS_VERSION##*.}"
ensure_module_binary prometheus github.com/prometheus/prometheus "$PROMETHEUS_VERSION" \
  ./cmd/prometheus "-s -w -X github.com/prometheus/common/version.Version=$RELEASE" --version
