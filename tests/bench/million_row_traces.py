#!/usr/bin/env python3
"""Writes one 10^6-row trace per reader format, and a scenario for each, into DIR (docs/performance.md,
"Trace readers"). Synthetic rows in each format's published schema; no real data. Then, for each scenario:
    /usr/bin/time -f '%e s %M KiB' build/racksim validate DIR/s-<format>.yaml
"""
import datetime
import pathlib
import random
import sys

N = 1_000_000


def main(out: pathlib.Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    with open(out / "tiresias.csv", "w") as f:
        f.write("job_id,num_gpu,submit_time,iterations,model_name,duration,interval\n")
        for i in range(N):
            f.write(f"{i},{1 + i % 8},{i // 4},100,resnet50,{60 + i % 100},1\n")
    with open(out / "helios.csv", "w") as f:
        f.write("job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,duration,queue\n")
        t0 = datetime.datetime(2020, 4, 1)
        for i in range(N):
            t = (t0 + datetime.timedelta(seconds=i * 15)).strftime("%Y-%m-%d %H:%M:%S")
            f.write(f"{i},u{i % 500},vc{i % 20},{i % 9},4,1,COMPLETED,{t},{t},{t},{1 + i % 5000},0\n")
    with open(out / "openb.csv", "w") as f:
        f.write("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,"
                "scheduled_time\n")
        for i in range(N):
            gpus = i % 3
            milli = 0 if gpus == 0 else (500 if i % 2 else 1000)
            f.write(f"openb-pod-{i:07d},8000,30517,{gpus},{milli},,LS,Running,{1000 + i},{2000 + i + i % 700},"
                    f"{1001 + i}\n")
    with open(out / "jobs.csv", "w") as jobs, open(out / "tasks.csv", "w") as tasks:
        for i in range(N):
            name = f"{rng.getrandbits(96):024x}"
            jobs.write(f"{name},{rng.getrandbits(96):024x},{i % 3000:012x},Terminated,{1000.0 + i},{2000.0 + i}\n")
            tasks.write(f"{name},worker,{1 + i % 4}.0,Terminated,{1001.0 + i},{1900.0 + i},600.0,29.3,"
                        f"{[25.0, 50.0, 100.0][i % 3]},V100\n")
    with open(out / "big.swf", "w") as f:
        f.write("; Version: 2.2\n")
        for i in range(N):
            f.write(f"{i + 1} {i * 10} 0 {60 + i % 1000} {1 + i % 64} -1 -1 {1 + i % 64} 3600 -1 1 {i % 300} 1 -1 1 "
                    "-1 -1 -1\n")
    for fmt, path in [("tiresias", "tiresias.csv"), ("helios", "helios.csv"), ("alibaba_v2023", "openb.csv"),
                      ("alibaba_v2020", "jobs.csv"), ("swf", "big.swf")]:
        (out / f"s-{fmt}.yaml").write_text(
            f"name: million-{fmt}\nplatform:\n  gpus_per_node: 8\n  nodes_per_rack: 8\n  racks: 1\n"
            f"workload:\n  kind: trace\n  trace:\n    format: {fmt}\n    path: {path}\n    task_path: tasks.csv\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: million_row_traces.py DIR")
    main(pathlib.Path(sys.argv[1]))
