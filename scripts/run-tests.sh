#!/usr/bin/env bash
# The README's second command: installs what is missing, builds everything and runs the whole
# test suite. Options through the environment:
#   HUBRULES_WERROR=ON     warnings are errors (CI)
#   HUBRULES_SANITIZE=ON   AddressSanitizer + UndefinedBehaviorSanitizer build (in build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
dir=build type=Release bench=ON
if [[ ${HUBRULES_SANITIZE:-OFF} == ON ]]; then dir=build-asan type=RelWithDebInfo bench=OFF; fi
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=$type -DHUBRULES_BENCH=$bench \
  -DHUBRULES_WERROR="${HUBRULES_WERROR:-OFF}" -DHUBRULES_SANITIZE="${HUBRULES_SANITIZE:-OFF}" >/dev/null
cmake --build "$dir"
cd "$dir"
ctest --output-on-failure -j2
