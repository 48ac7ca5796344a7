#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""What a build cost, from ninja's log: the seconds of every compile and link.

    scripts/build-cost.py BUILD_DIR [--top N] [--by target|dir]

Each edge of .ninja_log is one compiler or linker process; its duration is the
CPU time of that single-threaded process (plus what waiting the machine made
it do: measure on an otherwise idle machine, at -j equal to the cores). Only
the newest entry of each output counts, so run it after a clean build.
docs/build.md keeps the numbers.
"""
import argparse
import collections
import os
import sys


def read_log(path):
    """Maps each edge (one process) to its duration, named by its first output.

    An edge with several outputs (a link that also writes the test list, a
    precompiled header and its .hxx) has one line per output with the same
    start, end and command hash: it counts once.
    """
    newest = {}  # output -> (start, end, command hash); a later entry replaces an earlier one
    with open(path, encoding="utf-8") as f:
        header = f.readline()
        if not header.startswith("# ninja log v"):
            sys.exit(f"{path}: not a ninja log")
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 5:
                continue
            newest[parts[3]] = (int(parts[0]), int(parts[1]), parts[4])
    edges = {}
    seen = set()
    for output, key in newest.items():
        if key in seen:
            continue
        seen.add(key)
        edges[output] = (key[1] - key[0]) / 1000.0
    return edges


def group_of(output, by):
    if by == "dir":
        return os.path.dirname(output.replace("CMakeFiles/", "")).split(".dir")[0]
    # by target: CMakeFiles/<target>.dir/... ; linked outputs are their own target
    if "CMakeFiles/" in output and ".dir/" in output:
        return output.split("CMakeFiles/")[1].split(".dir/")[0]
    return "link: " + os.path.basename(output)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build_dir")
    ap.add_argument("--top", type=int, default=15, help="slowest outputs to list")
    ap.add_argument("--by", choices=["target", "dir"], default="target")
    args = ap.parse_args()
    edges = read_log(os.path.join(args.build_dir, ".ninja_log"))
    compiles = {o: s for o, s in edges.items() if o.endswith((".o", ".gch", ".pch"))}
    links = {o: s for o, s in edges.items() if o not in compiles}
    total = sum(edges.values())
    print(f"{len(edges)} edges, {total:.0f} s in all: "
          f"{sum(compiles.values()):.0f} s compiling {len(compiles)} files, "
          f"{sum(links.values()):.0f} s in {len(links)} other steps (links, archives)")
    groups = collections.Counter()
    for output, secs in edges.items():
        groups[group_of(output, args.by)] += secs
    print(f"\nby {args.by}:")
    for name, secs in groups.most_common(args.top):
        print(f"  {secs:8.1f} s  {name}")
    print(f"\nslowest {args.top}:")
    for output, secs in sorted(edges.items(), key=lambda e: -e[1])[: args.top]:
        print(f"  {secs:8.1f} s  {output}")


if __name__ == "__main__":
    main()
