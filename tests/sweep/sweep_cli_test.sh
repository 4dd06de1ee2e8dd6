#!/bin/bash
# Whole-binary checks of racksim sweep / merge on examples/sweep-quick.yaml (docs/sweeps.md).
# Usage: sweep_cli_test.sh CASE RACKSIM SOURCE_DIR WORK_DIR [MPIEXEC]; CASE: basic | resume | interrupt | shards | mpi
set -u
case_name=$1 racksim=$2 src=$3 work=$4 mpiexec=${5:-}
py=/usr/bin/python3
cmp="$py $src/tests/sweep/compare_h5.py"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

fail() { echo "FAIL: $*" >&2; exit 1; }
# The quick sweep with its scenario made absolute (so it can live in the work directory); extra sed edits as $1.
make_sweep() {
  sed -e "s|^scenario: quickstart.yaml|scenario: $src/examples/quickstart.yaml|" ${1:+-e "$1"} \
    "$src/examples/sweep-quick.yaml" > "$2"
}
# inode:mtime of every run file, one per line
stamps() { for f in "$1"/r*.h5; do stat -c '%n %i %Y.%y' "$f"; done; }

make_sweep "" quick.yaml

case $case_name in
basic)
  "$racksim" sweep quick.yaml -o all.h5 -j 2 -q || fail "sweep -j 2 exited $?"
  [ -z "$(ls all.h5.runs | grep -v -E '^r000[0-7]\.(h5|log)$')" ] || fail "unexpected files in the run directory"
  # The index: 8 rows in order, parameters as written, seeds, completed; the /runs groups; the /sweep attributes.
  $py - <<'PY' || fail "index check"
import h5py, numpy as np
f = h5py.File("all.h5", "r")
s = f["sweep"]
assert s.attrs["name"] == "quick" and s.attrs["runs"] == 8 and s.attrs["runs_total"] == 8, dict(s.attrs)
assert s.attrs["parameters"] == "policies.scheduler,variant" and s.attrs["shard"] == "", dict(s.attrs)
assert "grid:" in s.attrs["sweep_yaml"] and len(s.attrs["digest"]) == 64
ix = s["index"][()]
assert list(ix["run"]) == list(range(8))
assert [n.decode() for n in ix["name"]] == [f"r{i:04d}" for i in range(8)]
assert [x.decode() for x in ix["policies.scheduler"]] == ["fifo"] * 4 + ["easy_backfill"] * 4
assert [x.decode() for x in ix["variant"]] == ["pack", "pack", "spread", "spread"] * 2
assert list(ix["seed"]) == [1, 2] * 4 and set(ix["status"]) == {b"completed"}
assert list(f["runs"]) == [f"r{i:04d}" for i in range(8)]
for i in range(8):
    g = f[f"runs/r{i:04d}"]
    assert {"meta", "jobs", "summary", "timeseries"} <= set(g), set(g)
    assert g["meta"].attrs["seed"] == ix["seed"][i]
    for k, v in g["summary"].attrs.items():
        assert ix[k][i] == v, (i, k)
    assert len(g["jobs"]) == 20
PY
  # r0005 (easy_backfill, pack, seed 2) equals a separate racksim run with the same overrides and seed.
  "$racksim" run "$src/examples/quickstart.yaml" -q -o single.h5 --set workload.synthetic.jobs=20 \
    --set policies.scheduler=easy_backfill --set policies.placement=pack --set seed=2 > /dev/null || fail "single run"
  $py - <<'PY' || fail "r0005 differs from the single run"
import h5py, subprocess, sys
a, b = h5py.File("all.h5", "r")["runs/r0005"], h5py.File("single.h5", "r")
assert dict(a["summary"].attrs) == dict(b["summary"].attrs)
assert a["meta"].attrs["scenario_yaml"] == b["meta"].attrs["scenario_yaml"]
assert (a["jobs"][()] == b["jobs"][()]).all()
PY
  # read back through racksim: `summary` of the single file matches the merged summary values (checked above).
  # A run that fails: the sweep finishes the others, names the run and its log, exits non-zero, writes no file.
  make_sweep "" bad.yaml
  mkdir -p bad.h5.runs/r0002.h5   # a directory where the run's file must go: racksim run fails
  "$racksim" sweep bad.yaml -o bad.h5 -j 2 2> bad.err && fail "sweep with a failing run exited 0"
  grep -q "run r0002 failed; log: .*bad.h5.runs/r0002.log" bad.err || { cat bad.err; fail "failed run not named"; }
  grep -q "1 run failed; no merged file written" bad.err || { cat bad.err; fail "no failure summary"; }
  [ ! -e bad.h5 ] || fail "a merged file was written despite a failed run"
  [ "$(ls bad.h5.runs/r000?.h5 -d | wc -l)" = 8 ] || fail "the other runs did not finish"
  # Bad input: exit 2 with the sweep file's line.
  make_sweep "s/fifo, easy_backfill/fifo, easy_backfil/" typo.yaml
  "$racksim" sweep typo.yaml -o typo.h5 2> typo.err; rc=$?
  [ $rc = 2 ] || fail "typo: exit $rc, expected 2"
  grep -q "^typo.yaml:9:.*'policies.scheduler=easy_backfil'" typo.err || { cat typo.err; fail "typo not located"; }
  [ ! -e typo.h5.runs ] || [ -z "$(ls typo.h5.runs)" ] || fail "runs started despite a bad sweep"
  "$racksim" sweep quick.yaml -o x.h5 --shard 2/2 2> shard.err; [ $? = 2 ] || fail "bad --shard not exit 2"
  grep -q "expected K/N" shard.err || fail "bad --shard message"
  ;;
resume)
  "$racksim" sweep quick.yaml -o all.h5 -j 2 -q || fail "first sweep"
  cp all.h5 first.h5
  stamps all.h5.runs | grep -v r0003.h5 > before.txt
  rm all.h5.runs/r0003.h5
  head -c 100 all.h5.runs/r0005.h5 > all.h5.runs/r0005.h5.tmp.99999   # a truncated temp file of a killed run
  sleep 1.1
  "$racksim" sweep quick.yaml -o all.h5 -j 2 2> resume.err || fail "resumed sweep"
  grep -q "reused 7 finished runs" resume.err || { cat resume.err; fail "expected 'reused 7'"; }
  grep -q "r0003 done" resume.err || fail "r0003 not recomputed"
  [ "$(grep -c ' done ' resume.err)" = 1 ] || { cat resume.err; fail "more than one run recomputed"; }
  stamps all.h5.runs | grep -v r0003.h5 > after.txt
  diff before.txt after.txt || fail "reused run files were rewritten"
  [ ! -e all.h5.runs/r0005.h5.tmp.99999 ] || fail "stale temp file left"
  $cmp first.h5 all.h5 || fail "resumed merged file differs"
  # All reused: nothing runs.
  "$racksim" sweep quick.yaml -o all.h5 2> again.err || fail "third sweep"
  grep -q "reused 8 finished runs" again.err || fail "expected 'reused 8'"
  # A run file written by another build (another git sha) is recomputed.
  /usr/bin/python3 -c "import h5py; h5py.File('all.h5.runs/r0006.h5', 'a')['meta'].attrs['git_sha'] = 'another'" \
    || fail "cannot edit r0006.h5"
  "$racksim" sweep quick.yaml -o all.h5 2> build.err || fail "sweep after a rebuild"
  grep -q "reused 7 finished runs" build.err || { cat build.err; fail "expected 'reused 7' after another build"; }
  grep -q "r0006 done" build.err || fail "r0006 (another build) not recomputed"
  # A changed sweep recomputes what changed: seeds [1, 3] keep the 4 seed-1 runs.
  make_sweep "s/^seeds: \[1, 2\]/seeds: [1, 3]/" changed.yaml
  "$racksim" sweep changed.yaml -o all.h5 -j 2 2> changed.err || fail "changed sweep"
  grep -q "reused 4 finished runs" changed.err || { cat changed.err; fail "expected 'reused 4'"; }
  ;;
interrupt)
  make_sweep "s/^seeds: \[1, 2\]/seeds: {from: 1, count: 4}/" long.yaml   # 16 runs, one at a time
  "$racksim" sweep long.yaml -o all.h5 -j 1 2> first.err &
  pid=$!
  for _ in $(seq 1 600); do
    [ "$(ls all.h5.runs/r*.h5 2>/dev/null | wc -l)" -ge 2 ] && break
    sleep 0.05
  done
  kill -INT $pid
  wait $pid; rc=$?
  [ $rc -ne 0 ] || fail "interrupted sweep exited 0"
  grep -q "interrupted" first.err || { cat first.err; fail "no interruption message"; }
  [ ! -e all.h5 ] || fail "merged file written by an interrupted sweep"
  ls all.h5.runs | grep -q tmp && fail "temp files left after the interruption"
  done_before=$(ls all.h5.runs/r*.h5 | wc -l)
  [ "$done_before" -lt 16 ] || fail "the sweep finished before the signal"
  stamps all.h5.runs > before.txt
  "$racksim" sweep long.yaml -o all.h5 -j 2 2> second.err || fail "rerun after the interruption"
  grep -q "reused $done_before finished runs" second.err || { cat second.err; fail "expected reused $done_before"; }
  stamps all.h5.runs | head -n "$done_before" > after.txt
  diff before.txt after.txt || fail "finished runs were recomputed"
  $py -c "import h5py; assert h5py.File('all.h5','r')['sweep'].attrs['runs'] == 16" || fail "merged file incomplete"
  ;;
shards)
  "$racksim" sweep quick.yaml -o all.h5 -j 2 -q || fail "whole sweep"
  "$racksim" sweep quick.yaml -o s0.h5 --shard 0/2 -q || fail "shard 0/2"
  "$racksim" sweep quick.yaml -o s1.h5 --shard 1/2 -q || fail "shard 1/2"
  $py -c "
import h5py
f = h5py.File('s1.h5', 'r')['sweep']
assert f.attrs['shard'] == '1/2' and f.attrs['runs'] == 4 and f.attrs['runs_total'] == 8
assert list(f['index']['run']) == [1, 3, 5, 7]" || fail "shard file"
  "$racksim" merge -o merged.h5 s1.h5 s0.h5 -q || fail "merge"
  $cmp all.h5 merged.h5 || fail "shards merged differ from the whole sweep"
  "$racksim" merge -o merged2.h5 s0.h5 s1.h5 -q || fail "merge (other order)"
  $cmp merged.h5 merged2.h5 || fail "merge depends on input order"
  "$racksim" merge -o dup.h5 s0.h5 s1.h5 s0.h5 2> dup.err; [ $? = 2 ] || fail "duplicate not exit 2"
  grep -q "run r0000 is in both s0.h5 and s0.h5" dup.err || { cat dup.err; fail "duplicate message"; }
  "$racksim" merge -o part.h5 s0.h5 2> part.err; [ $? = 2 ] || fail "missing runs not exit 2"
  grep -q "4 of 8 runs missing (indices 1, 3, 5, 7)" part.err || { cat part.err; fail "missing message"; }
  [ ! -e part.h5 ] || fail "partial file written without --allow-partial"
  "$racksim" merge -o part.h5 s0.h5 --allow-partial -q || fail "--allow-partial"
  make_sweep "s/^seeds: \[1, 2\]/seeds: [1, 5]/" other.yaml
  "$racksim" sweep other.yaml -o o1.h5 --shard 1/2 -q || fail "other sweep shard"
  "$racksim" merge -o mixed.h5 s0.h5 o1.h5 2> mixed.err; [ $? = 2 ] || fail "different sweeps not exit 2"
  grep -q "o1.h5: from a different sweep than s0.h5" mixed.err || { cat mixed.err; fail "different-sweep message"; }
  "$racksim" merge -o bad.h5 s0.h5.runs/r0000.h5 2> notmerged.err; [ $? = 2 ] || fail "run file not rejected"
  grep -q "not a merged sweep file" notmerged.err || fail "run file message"
  ;;
mpi)
  [ -n "$mpiexec" ] || fail "no mpiexec"
  "$racksim" sweep quick.yaml -o all.h5 -j 2 -q || fail "whole sweep"
  # OpenMPI's own allocations are not freed at exit: no leak check for the ranks (sanitizer builds).
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$mpiexec" -np 2 --oversubscribe "$racksim" sweep quick.yaml -o mpi.h5 -j 1 2> mpi.err || { cat mpi.err; fail "mpirun"; }
  grep -q "2 MPI ranks" mpi.err || { cat mpi.err; fail "not run as 2 ranks"; }
  grep -qi "fork" mpi.err all.h5.runs/*.log mpi.h5.runs/*.log && fail "OpenMPI warned about fork"
  $cmp all.h5 mpi.h5 || fail "mpirun result differs from -j 2"
  ;;
*) fail "unknown case $case_name" ;;
esac
echo "sweep_cli_$case_name: ok"
