#!/usr/bin/env bash
# One entry point for a fresh Debian (bookworm) machine: install what is missing, configure, build, then
#   quickstart  run examples/quickstart.yaml and print its summary table   (default)
#   test        run the whole test suite (ctest), warnings as errors
#   sanitize    the same suite in a separate AddressSanitizer + UndefinedBehaviorSanitizer build
# Environment: BUILD_DIR (default build, or build-asan for sanitize), JOBS (default: nproc).
set -euo pipefail

mode=${1:-quickstart}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${JOBS:-$(nproc)}

packages=(build-essential cmake ninja-build pkg-config git
          libsimgrid-dev libboost-graph-dev libhdf5-dev hdf5-tools libyaml-cpp-dev libcli11-dev
          libgtest-dev libgmock-dev libbenchmark-dev openmpi-bin libopenmpi-dev libssl-dev
          python3 python3-h5py python3-pandas python3-numpy python3-matplotlib)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

case "$mode" in
  quickstart|test) build=${BUILD_DIR:-build}; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  sanitize) build=${BUILD_DIR:-build-asan}; flags=(-DCMAKE_BUILD_TYPE=Debug -DRACKSIM_SANITIZE=ON -DRACKSIM_BUILD_BENCH=OFF) ;;
  *) echo "usage: $0 [quickstart|test|sanitize]" >&2; exit 2 ;;
esac

cmake -S . -B "$build" -G Ninja -DRACKSIM_WERROR=ON "${flags[@]}"
if [ "$mode" = quickstart ]; then
  # Only what the quick start runs: the racksim binary (tests, benchmarks and the CUDA harness are built by `test`).
  cmake --build "$build" -j "$jobs" --target racksim
else
  cmake --build "$build" -j "$jobs"
fi

case "$mode" in
  quickstart)
    mkdir -p out
    "$build/racksim" run examples/quickstart.yaml -o out/quickstart.h5
    ;;
  test|sanitize)
    # SimGrid's own stacks confuse ASan's stack-use-after-return detection; leaks are still checked.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=0:detect_leaks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    ctest --test-dir "$build" --output-on-failure -j "$jobs"
    ;;
esac
