#!/usr/bin/env bash
# Behaviour check for refactors: runs every example scenario and every regression-benchmark scenario with two racksim
# binaries and compares the result files dataset by dataset and attribute by attribute (tests/sweep/compare_h5.py;
# wall-clock, version and git-sha attributes aside, and the descriptive /meta attributes summary_units and
# summary_directions that issue 14 added). Also compares the new runs of the regression scenarios with
# their checked-in baselines (tests/regression/baselines).
#   scripts/compare_builds.sh OLD_RACKSIM NEW_RACKSIM OUT_DIR
# Exit 0 when every pair is equal; the differences are printed otherwise.
set -uo pipefail
old=$1 new=$2 out=$3
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmp="/usr/bin/python3 $root/tests/sweep/compare_h5.py --ignore git_sha --ignore racksim_version --ignore summary_units --ignore summary_directions"
mkdir -p "$out/old" "$out/new"
status=0
run_both() { # name, racksim arguments after the binary (the output path is appended)
  local name=$1; shift
  for side in old new; do
    local bin=$old; [ $side = new ] && bin=$new
    rm -rf "$out/$side/$name.h5" "$out/$side/$name.h5.runs"
    if ! (cd "$root" && "$bin" "$@" -o "$out/$side/$name.h5" -q > "$out/$side/$name.log" 2>&1); then
      echo "FAIL: $side $name (see $out/$side/$name.log)"; status=1; return
    fi
  done
  $cmp "$out/old/$name.h5" "$out/new/$name.h5" || status=1
}
for f in "$root"/examples/*.yaml; do
  name=$(basename "$f" .yaml)
  case $name in
    sweep-*) run_both "$name" sweep "examples/$name.yaml" -j 2 ;;
    *) run_both "$name" run "examples/$name.yaml" ;;
  esac
done
for f in "$root"/tests/regression/*.yaml; do
  name=$(basename "$f" .yaml)
  case $name in tolerances) continue ;; esac
  case $name in
    sweep*) run_both "regress-$name" sweep "tests/regression/$name.yaml" -j 2 ;;
    *) run_both "regress-$name" run "tests/regression/$name.yaml" ;;
  esac
  if [ -f "$root/tests/regression/baselines/$name.h5" ]; then
    echo "baseline $name:"; $cmp "$root/tests/regression/baselines/$name.h5" "$out/new/regress-$name.h5" || status=1
  fi
done
[ $status = 0 ] && echo "compare_builds: all equal" || echo "compare_builds: DIFFERENCES"
exit $status
