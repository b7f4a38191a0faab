#!/usr/bin/env bash
# Fuzzes the model loader (parse_model -> compile -> a tiny run) with
# libFuzzer + ASan + UBSan for a bounded time: scripts/fuzz.sh [seconds]
# (default 60). Builds with clang in build/fuzz. Exits non-zero on a crash,
# a sanitizer report, an exception other than ModelError, a timeout or an
# out-of-memory; the failing input is saved as build/fuzz/artifacts/crash-*
# (replay: build/fuzz/fuzz_model_loader FILE).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
build=build/fuzz
cxx=${FUZZ_CXX:-clang++}
command -v "$cxx" >/dev/null || { echo "fuzz: $cxx not found (scripts/setup.sh installs clang)" >&2; exit 1; }

echo "== fuzz: build ($build, $cxx)"
cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$build" -j"$jobs"

# The checked-in seeds stay untouched; new coverage goes to a scratch corpus
# that persists between local runs.
mkdir -p "$build/corpus" "$build/artifacts"
echo "== fuzz: run for ${seconds}s"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
log="$build/fuzz.log"
set +e
"$build/fuzz_model_loader" "$build/corpus" tests/fuzz/corpus \
  -dict=tests/fuzz/model.dict -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
  -max_len=8192 -print_final_stats=1 -artifact_prefix="$build/artifacts/" >"$log" 2>&1
status=$?
set -e
if [ "$status" -ne 0 ]; then
  tail -n 200 "$log"
  echo "fuzz: FAILED (exit $status); reproducer(s) in $build/artifacts/:" >&2
  ls -1 "$build"/artifacts/ >&2 || true
  exit "$status"
fi
grep -E "^(Done|stat::)" "$log" || tail -n 5 "$log"
echo "fuzz: no findings in ${seconds}s (full log: $log)"
