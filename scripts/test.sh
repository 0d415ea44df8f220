#!/usr/bin/env bash
# Sets up if needed, builds and runs the whole suite in every configuration
# that guards it, and ends with ctest's summary line of the release run:
#   fuzz     libFuzzer on every target for PF_FUZZ_SECONDS (default 15) each
#   tsan     ThreadSanitizer (clang, also -Wthread-safety)
#   asan     AddressSanitizer + UndefinedBehaviorSanitizer (gcc)
#   release  optimised build; the suite plus corpus replay and bench smoke
# Warnings are errors in every configuration. PF_TEST_PRESETS="asan release"
# runs a subset.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
./scripts/build-web.sh

read -r -a presets <<<"${PF_TEST_PRESETS:-fuzz tsan asan release}"
jobs=$(nproc)

for preset in "${presets[@]}"; do
  echo "== build: $preset"
  cmake --preset "$preset" -DPF_WERROR=ON -DPF_FUZZ_SECONDS="${PF_FUZZ_SECONDS:-15}" >/dev/null
  cmake --build --preset "$preset" -- --quiet
done

for preset in "${presets[@]}"; do
  echo "== test: $preset"
  ctest --preset "$preset" -j "$jobs"
done
