#!/usr/bin/python3
"""The layering test (docs/architecture.md): reads every #include line under the library folders and fails on an
edge the layer table below does not allow. Data flows down: a layer may include itself and the layers it lists.

Usage: check_layering.py ROOT           exit 0 when every edge is allowed, 1 with one line per forbidden edge
       check_layering.py --self-test    checks that a tree with forbidden edges is caught (exit 0 when it is)
"""
import os
import re
import sys
import tempfile

SIMGRID = "SimGrid"  # <simgrid/...>, <xbt/...>, <smpi/...>

# layer -> the layers it may include (besides itself). Longest prefix wins when a file is matched to a layer.
ALLOWED = {
    "workloads": [],
    "policies": [],
    "platforms": [],
    "platforms/simgrid": ["platforms", SIMGRID],
    "sim/results": ["workloads"],
    "sim/config": ["sim/results", "platforms", "workloads", "policies"],
    "sim/analytic": ["platforms", "workloads"],
    "sim/engine": ["sim/version", "sim/config", "sim/results", "sim/analytic", "platforms", "platforms/simgrid",
                   "workloads", "policies", SIMGRID],
    "sim/tools": ["sim/version", "sim/config", "sim/results", "sim/analytic", "sim/engine", "platforms",
                  "workloads", "policies"],
    "cuda": ["workloads"],
}
# Files that belong to a layer other than their folder's (SimGrid builders of platforms/ live beside the pure code).
FILE_LAYER = [(re.compile(r"^platforms/simgrid_[^/]*$"), "platforms/simgrid"),
              (re.compile(r"^platforms/simgrid/"), "platforms/simgrid")]
SOURCES = (".hpp", ".cpp", ".h", ".cu", ".cuh")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(path):
    """The layer of a repository-relative path (a file or an include target), or None."""
    for pattern, layer in FILE_LAYER:
        if pattern.search(path):
            return layer
    if path == "sim/version.hpp":
        return "sim/version"
    best = None
    for layer in ALLOWED:
        if path.startswith(layer + "/") and (best is None or len(layer) > len(best)):
            best = layer
    return best


def target_layer(delim, name):
    if delim == "<":
        return SIMGRID if re.match(r"(simgrid|xbt|smpi)/", name) or name in ("simgrid.h", "smpi.h") else None
    return layer_of(name)


def check(root):
    problems = []
    for top in {layer.split("/")[0] for layer in ALLOWED}:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if not f.endswith(SOURCES):
                    continue
                full = os.path.join(dirpath, f)
                rel = os.path.relpath(full, root)
                src = layer_of(rel)
                if src is None:
                    continue
                with open(full, encoding="utf-8", errors="replace") as fh:
                    for n, line in enumerate(fh, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        dst = target_layer(m.group(1), m.group(2))
                        if dst is None or dst == src or dst in ALLOWED[src]:
                            continue
                        problems.append(f"{rel}:{n}: {src} may not include {m.group(2)} ({dst}); "
                                        f"allowed: {', '.join(ALLOWED[src]) or 'nothing outside ' + src}")
    return problems


def self_test():
    cases = {
        "sim/results/a.hpp": '#include "sim/engine/engine.hpp"\n',   # upward edge
        "sim/config/b.cpp": "#include <simgrid/s4u.hpp>\n",          # SimGrid outside the engine
        "policies/c.hpp": '#include "sim/config/scenario.hpp"\n',    # a policy reaching into sim/
        "sim/engine/ok.cpp": '#include "sim/config/scenario.hpp"\n#include <simgrid/s4u.hpp>\n',  # allowed
    }
    with tempfile.TemporaryDirectory() as root:
        for rel, text in cases.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as fh:
                fh.write(text)
        found = check(root)
    flagged = sorted({p.split(":")[0] for p in found})
    expected = ["policies/c.hpp", "sim/config/b.cpp", "sim/results/a.hpp"]
    if flagged != expected:
        print(f"self-test FAILED: flagged {flagged}, expected {expected}")
        return 1
    print("self-test OK: 3 forbidden edges caught, the allowed file passed")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(argv[1])
    for p in problems:
        print(p)
    if problems:
        print(f"layering: {len(problems)} forbidden include edge(s)")
        return 1
    print("layering: every include edge is allowed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
