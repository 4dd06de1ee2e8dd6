#!/bin/sh
# Regenerates the regression baselines (tests/regression/baselines/*.h5) from the current build. Run it only when a
# change of the results is intended, and say why in the commit message: the baselines are what CI compares against
# (docs/regression.md, "Updating the baselines").
#   tests/regression/update_baselines.sh [build/racksim]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
racksim=${1:-$here/../../build/racksim}
for scenario in training inference collectives; do
  "$racksim" run "$here/$scenario.yaml" -q -o "$here/baselines/$scenario.h5" > /dev/null
  echo "baseline: tests/regression/baselines/$scenario.h5"
done
rm -rf "$here/baselines/sweep.h5.runs"
"$racksim" sweep "$here/sweep.yaml" -q -j 2 -o "$here/baselines/sweep.h5"
rm -rf "$here/baselines/sweep.h5.runs"
echo "baseline: tests/regression/baselines/sweep.h5"
