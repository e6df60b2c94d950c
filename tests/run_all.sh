#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test twice: under AddressSanitizer and
# UndefinedBehaviorSanitizer, and in the normal build. The last line printed is ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh test
jobs=2  # the project's machines have two cores

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DHORIZON_SANITIZE=ON -DHORIZON_BUILD_BENCH=OFF
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 600

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 600
