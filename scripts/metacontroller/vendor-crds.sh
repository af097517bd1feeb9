#!/usr/bin/env bash
# Regenerates test/loop/metacontroller-crds.yaml, the copy of Metacontroller's CRDs the loop
# suite falls back to when it has only METACONTROLLER_BIN (no METACONTROLLER_SRC and no
# METACONTROLLER_CRDS). The file is upstream's manifests/production/metacontroller-crds-v1.yaml,
# unmodified, under a header naming its source and its Apache-2.0 licence.
#
# Usage: METACONTROLLER_SRC=<metacontroller source tree> scripts/metacontroller/vendor-crds.sh [version]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/../../test/loop/metacontroller-crds.yaml"
: "${METACONTROLLER_SRC:?set METACONTROLLER_SRC to a Metacontroller source tree}"
SRC_FILE="$METACONTROLLER_SRC/manifests/production/metacontroller-crds-v1.yaml"
[ -f "$SRC_FILE" ] || { echo "no $SRC_FILE" >&2; exit 1; }
VERSION="${1:-$(basename "$(cd "$METACONTROLLER_SRC" && pwd)" | grep -oE 'v[0-9]+\.[0-9]+\.[0-9]+$' || echo unknown)}"
{
  cat <<HEADER
# Metacontroller $VERSION CustomResourceDefinitions, copied unmodified (below this header) from
# upstream manifests/production/metacontroller-crds-v1.yaml by scripts/metacontroller/vendor-crds.sh.
# Used by the loop suite only when neither METACONTROLLER_CRDS nor METACONTROLLER_SRC is set.
#
# Copyright The Metacontroller Authors. https://github.com/metacontroller/metacontroller
# Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file
# except in compliance with the License. You may obtain a copy of the License at
#     http://www.apache.org/licenses/LICENSE-2.0
# Unless required by applicable law or agreed to in writing, software distributed under the
# License is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND,
# either express or implied. See the License for the specific language governing permissions
# and limitations under the License.
HEADER
  cat "$SRC_FILE"
} >"$OUT"
echo "wrote $OUT ($VERSION)" >&2
