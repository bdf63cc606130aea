#!/usr/bin/env bash
# The delivery benchmark: `hubrules sync` against the naive per-booking strategy peers use, both
# delivering the same generated TimeRex bookings into a fresh in-process HubSpot sandbox with the
# free tier's limits; API calls per 1,000 bookings, bookings per second, 429s, duplicates and
# whether both leave the same CRM state.
#
#   bash bench/run_delivery_bench.sh [--count N] [--naive-count M]   (from the project root)
#
# Other flags:
#   --count N          bookings for hubrules sync (default 1000)
#   --naive-count M    bookings for the naive strategy, the first M of the same (default 300;
#                      it runs at ~2-3 bookings/s under the burst limit)
#   --seed S, --burst-limit N, --search-rate N, --search-lag-ms N   passed to delivery_bench
#   --portal-limit N   also sync --portal-count bookings (default 25000) into a portal whose rate
#                      headers say N per 10 s (e.g. 190), without --burst-limit: the share of the
#                      limit used (target ≥ 90 %)
#   --lift-limits      burst 10,000 per 10 s, search 1,000/s: a large sync measures the sandbox
#   --naive-only       leave hubrules sync out (no hubrules build or run)
#   --build-dir DIR    CMake build directory (default build-bench)
#   --no-build         use the programs already built in the build directory
#   --keep             keep delivery_bench's working directory (bookings, state files, sync log)
#
# Exit status: 0 all ran and hubrules sync meets its targets (≤ 60 calls per 1,000 bookings, no
# duplicate, ≥ 90 % of a learned limit); 1 a strategy failed; 2 a target missed. See bench/README.md.
set -euo pipefail

BUILD=1
BUILD_DIR=build-bench
NAIVE_ONLY=0
PASS=()

die() { printf 'run_delivery_bench: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
number() { [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || die "$1 needs a non-negative integer"; }

while (($#)); do
  case "$1" in
    --count|--naive-count|--seed|--burst-limit|--search-rate|--search-lag-ms|--portal-limit|--portal-count)
      number "$@"; PASS+=("$1" "$2"); shift 2 ;;
    --naive-only) NAIVE_ONLY=1; shift ;;
    --lift-limits) PASS+=(--lift-limits); shift ;;
    --build-dir) [[ $# -ge 2 ]] || die "--build-dir needs a directory"; BUILD_DIR=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep) PASS+=(--keep); shift ;;
    -h|--help) usage 0 ;;
    *) printf 'run_delivery_bench: unknown argument %s\n' "$1" >&2; usage 2 ;;
  esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -f CMakeLists.txt && -f rules/timerex.rules && -d bench ]] || die "run it from the hubrules project"
command -v cmake >/dev/null || die "cmake is not installed"

targets=(delivery_bench)
((NAIVE_ONLY)) || targets=(hubrules "${targets[@]}")
if ((BUILD)); then
  echo "== building ${targets[*]} (Release) in $BUILD_DIR" >&2
  LOG=$(mktemp "${TMPDIR:-/tmp}/delivery-bench-build.XXXXXX")
  if ! { cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DHUBRULES_BENCH=ON &&
         cmake --build "$BUILD_DIR" -j1 --target "${targets[@]}"; } >"$LOG" 2>&1; then
    tail -n 40 "$LOG" >&2
    die "the build failed (the whole log: $LOG)"
  fi
  rm -f "$LOG"
fi

source bench/find_program.sh
BENCH=$(find_program delivery_bench)
if ((!NAIVE_ONLY)); then
  HUBRULES=$(find_program hubrules)
  # Without arguments sync prints its usage; an older hubrules calls the command unknown.
  { "$HUBRULES" sync 2>&1 || true; } | grep -q 'usage: hubrules sync' \
    || die "$HUBRULES has no sync command (use --naive-only)"
  PASS+=(--hubrules "$HUBRULES")
fi

echo "== $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores, $(date -u +%Y-%m-%d)" >&2
exec "$BENCH" --rules rules/timerex.rules "${PASS[@]}"
