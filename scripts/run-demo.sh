#!/usr/bin/env bash
# The README's first command: installs what is missing, builds hubrules (Release) and runs the
# main job on the embedded default: the sandbox in-process as HubSpot, the bundled sample
# bookings synced with rules/timerex.rules, and what HubSpot then holds.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target hubrules

echo
echo "== hubrules check rules/timerex.rules"
build/hubrules check rules/timerex.rules
echo
echo "== hubrules demo rules/timerex.rules rules/samples/timerex-bookings.ndjson"
build/hubrules demo rules/timerex.rules rules/samples/timerex-bookings.ndjson
