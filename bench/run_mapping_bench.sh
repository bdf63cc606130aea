#!/usr/bin/env bash
# The mapping benchmark: hubrules against a hand-written C++ floor, jq and JSONata, on the same
# generated TimeRex bookings, with a check that all of them produce the same records.
#
#   bash bench/run_mapping_bench.sh [--count N]          (from the project root; N defaults to 100000)
#
# Other flags:
#   --bad B          share of damaged input lines (default 0; the edge-case file is checked anyway)
#   --skip-engine    leave hubrules out (build, runs, targets): compares floor, jq and JSONata only
#   --build-dir DIR  CMake build directory (default build-bench)
#   --no-build       use the programs already built in the build directory
#   --keep           keep the temporary directory with the inputs and outputs
#
# Exit status: 0 all outputs agree and the targets are met; 1 outputs disagree or a peer failed;
# 2 outputs agree but a ratio target is missed. See bench/README.md.
set -euo pipefail

COUNT=100000
BAD=0
SKIP_ENGINE=0
BUILD=1
KEEP=0
BUILD_DIR=build-bench

die() { printf 'run_mapping_bench: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }

while (($#)); do
  case "$1" in
    --count) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || die "--count needs a positive integer"; COUNT=$2; shift 2 ;;
    --bad) [[ $# -ge 2 ]] || die "--bad needs a share in [0, 1]"; BAD=$2; shift 2 ;;
    --skip-engine) SKIP_ENGINE=1; shift ;;
    --build-dir) [[ $# -ge 2 ]] || die "--build-dir needs a directory"; BUILD_DIR=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage 0 ;;
    *) printf 'run_mapping_bench: unknown argument %s\n' "$1" >&2; usage 2 ;;
  esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -f CMakeLists.txt && -f rules/free-email-domains.txt && -d bench ]] || die "run it from the hubrules project"
for tool in cmake jq node npm awk cmp; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
FREEMAIL=rules/free-email-domains.txt
RULES=rules/timerex.rules
THREADS=$(nproc)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hubrules-bench.XXXXXX")
if ((KEEP)); then
  echo "== keeping $WORK" >&2
else
  trap 'rm -rf "$WORK"' EXIT
fi

# ---- build -----------------------------------------------------------------------------------
targets=(gen_bookings handwritten_map)
((SKIP_ENGINE)) || targets=(hubrules "${targets[@]}")
if ((BUILD)); then
  echo "== building ${targets[*]} (Release) in $BUILD_DIR" >&2
  if ! { cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release &&
         cmake --build "$BUILD_DIR" -j2 --target "${targets[@]}"; } >"$WORK/build.log" 2>&1; then
    tail -n 40 "$WORK/build.log" >&2
    die "the build failed (the whole log: --keep, then $WORK/build.log)"
  fi
fi
source bench/find_program.sh
GEN=$(find_program gen_bookings)
FLOOR=$(find_program handwritten_map)
HUBRULES=""
if ((!SKIP_ENGINE)); then
  HUBRULES=$(find_program hubrules)
  [[ -f $RULES ]] || die "$RULES is missing"
fi

if [[ ! -f bench/jsonata/node_modules/jsonata/package.json ]]; then
  echo "== installing JSONata (npm ci)" >&2
  npm ci --prefix bench/jsonata --no-audit --no-fund --loglevel=error >/dev/null
fi

# ---- peers -------------------------------------------------------------------------------------
# Each peer: a name, a file-name key, the number of timed runs, the highest exit status that
# still means "ran" (hubrules map exits 1 when some lines were errors; the check then judges
# the output), and the command, {} standing for the input file.
NAMES=() KEYS=() RUNS=() MAXSTATUS=() CMDS=()
peer() { NAMES+=("$1"); KEYS+=("$2"); RUNS+=("$3"); MAXSTATUS+=("$4"); CMDS+=("$5"); }
if ((!SKIP_ENGINE)); then
  peer "hubrules, 1 thread" hubrules1 3 1 "\"$HUBRULES\" map $RULES {} --threads 1"
  peer "hubrules, $THREADS threads" hubrulesN 3 1 "\"$HUBRULES\" map $RULES {} --threads $THREADS"
fi
peer "hand-written C++ (floor)" floor 3 0 "\"$FLOOR\" {}"
peer "jq $(jq --version | sed 's/^jq-//')" jq 1 0 "jq -n -c -R --rawfile freemail $FREEMAIL -f bench/timerex.jq {}"
JSONATA_VERSION=$(node -p 'require("./bench/jsonata/node_modules/jsonata/package.json").version')
peer "JSONata $JSONATA_VERSION (node $(node --version))" jsonata 1 0 "node bench/jsonata/map.js --freemail $FREEMAIL {}"

# run PEER_INDEX INPUT OUTPUT: runs the peer once, stdout to OUTPUT; prints the seconds taken.
run() {
  local cmd=${CMDS[$1]//\{\}/\"$2\"} t0 t1 rc=0
  t0=$(date +%s.%N)
  eval "$cmd" >"$3" 2>"$3.stderr" || rc=$?
  t1=$(date +%s.%N)
  if ((rc > MAXSTATUS[$1])); then
    head -c 2000 "$3.stderr" >&2
    die "${NAMES[$1]} failed with status $rc: $cmd"
  fi
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

# The comparison keeps the records and whether a line was skipped or an error; messages and key
# order may differ between peers.
NORMALIZE='{line,booking,contacts,companies,associate,skipped:(.skipped!=null),error:(.error!=null)}'
normalize() {
  jq -c -S "$NORMALIZE" "$1" >"$1.norm" 2>"$1.norm.stderr" \
    || die "output of $2 is not one JSON object a line ($1): $(head -c 300 "$1.norm.stderr")"
}

# check INPUT LABEL: every peer's normalized output must equal the floor's, line for line.
check_all() {
  local input=$1 label=$2 dir=$WORK/$3 i ref lines at
  lines=$(awk 'END { print NR }' "$input")
  ref=$dir/floor.out
  [[ $(awk 'END { print NR }' "$ref.norm") == "$lines" ]] \
    || die "$label: the floor printed $(awk 'END { print NR }' "$ref.norm") lines for $lines input lines"
  for i in "${!NAMES[@]}"; do
    [[ ${KEYS[$i]} == floor ]] && continue
    local out=$dir/${KEYS[$i]}.out
    if ! cmp -s "$ref.norm" "$out.norm"; then
      # The first differing line; when one file is a prefix of the other, the line after it.
      at=$(awk 'NR == FNR { ref[FNR] = $0; n = FNR; next }
                { if (!(FNR in ref) || ref[FNR] != $0) { print FNR; found = 1; exit } }
                END { if (!found) print (FNR < n ? FNR + 1 : n + 1) }' "$ref.norm" "$out.norm")
      {
        echo
        echo "MISMATCH on $label: ${NAMES[$i]} differs from the floor at output line $at"
        echo "  input:  $(sed -n "${at}p" "$input" | head -c 400 | tr -d '\000')"
        echo "  floor:  $(sed -n "${at}p" "$ref")"
        echo "  ${KEYS[$i]}: $(sed -n "${at}p" "$out")"
        echo "  normalized floor: $(sed -n "${at}p" "$ref.norm")"
        echo "  normalized ${KEYS[$i]}: $(sed -n "${at}p" "$out.norm")"
      } >&2
      exit 1
    fi
  done
  echo "== $label: all ${#NAMES[@]} outputs agree on $lines lines" >&2
}

# ---- 1. the edge cases: hand-written bookings every peer must agree on ---------------------------
mkdir -p "$WORK/edge"
for i in "${!NAMES[@]}"; do
  run "$i" bench/edge_cases.ndjson "$WORK/edge/${KEYS[$i]}.out" >/dev/null
  normalize "$WORK/edge/${KEYS[$i]}.out" "${NAMES[$i]}"
done
check_all bench/edge_cases.ndjson "bench/edge_cases.ndjson" edge

# ---- 2. the benchmark ----------------------------------------------------------------------------
INPUT=$WORK/bookings.ndjson
"$GEN" --count "$COUNT" --seed 1 --bad "$BAD" >"$INPUT"
BYTES=$(stat -c %s "$INPUT")
echo "== $COUNT bookings (seed 1, bad $BAD): $BYTES bytes" >&2

mkdir -p "$WORK/bench"
SECS=()
for i in "${!NAMES[@]}"; do
  best=""
  for ((r = 0; r < RUNS[i]; r++)); do
    s=$(run "$i" "$INPUT" "$WORK/bench/${KEYS[$i]}.out")
    best=$(awk -v a="$s" -v b="$best" 'BEGIN { print (b == "" || a < b) ? a : b }')
  done
  SECS+=("$best")
  printf '== %-40s %9.3f s (best of %d)\n' "${NAMES[$i]}" "$best" "${RUNS[$i]}" >&2
done
for i in "${!NAMES[@]}"; do normalize "$WORK/bench/${KEYS[$i]}.out" "${NAMES[$i]}"; done
check_all "$INPUT" "$COUNT generated bookings" bench

# ---- 3. the table and the targets --------------------------------------------------------------
secs_of() {
  local i
  for i in "${!KEYS[@]}"; do
    if [[ ${KEYS[$i]} == "$1" ]]; then echo "${SECS[$i]}"; fi
  done
}
FLOOR_S=$(secs_of floor)
JQ_S=$(secs_of jq)
echo
echo "Mapping benchmark: $COUNT TimeRex bookings ($(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB, seed 1, bad $BAD)," \
  "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $THREADS cores, $(date -u +%Y-%m-%d)"
echo
echo "| tool | bookings/s | MB/s | × floor | × jq |"
echo "| --- | ---: | ---: | ---: | ---: |"
for i in "${!NAMES[@]}"; do
  awk -v name="${NAMES[$i]}" -v s="${SECS[$i]}" -v n="$COUNT" -v bytes="$BYTES" -v f="$FLOOR_S" -v j="$JQ_S" \
    'BEGIN { printf "| %s | %.0f | %.1f | %.3g | %.3g |\n", name, n / s, bytes / 1e6 / s, f / s, j / s }'
done

status=0
if ((!SKIP_ENGINE)); then
  H1_S=$(secs_of hubrules1)
  echo
  # target NAME RATIO MINIMUM: prints the line, and remembers a miss in status.
  target() {
    if awk -v x="$2" -v min="$3" 'BEGIN { exit !(x >= min) }'; then
      echo "- $1: ${2}× — PASS"
    else
      echo "- $1: ${2}× — FAIL"
      status=2
    fi
  }
  target "hubrules, 1 thread ≥ 0.8× floor" "$(awk -v f="$FLOOR_S" -v h="$H1_S" 'BEGIN { printf "%.2f", f / h }')" 0.8
  target "hubrules, 1 thread ≥ 25× jq" "$(awk -v j="$JQ_S" -v h="$H1_S" 'BEGIN { printf "%.1f", j / h }')" 25
else
  echo
  echo "- targets not evaluated: --skip-engine"
fi
exit "$status"
