#!/usr/bin/env python3
"""Times commands interleaved (A, B, C, A, B, C, ...), so that a busy machine slows
them alike, and prints each one's median wall time in milliseconds, one per line.

Usage: python3 bench/interleaved.py RUNS -- [--fresh=PATH] CMD1 ... -- CMD2 ... [-- CMD3 ...]
Each command runs twice first as a warm-up; its output is discarded. With
--fresh=PATH, PATH is removed before each run of that command, untimed, so that a
command writing into it creates every file anew.
"""
import shutil
import statistics
import subprocess
import sys
import time

runs = int(sys.argv[1])
commands, current = [], None
for arg in sys.argv[2:]:
    if arg == "--":
        current = []
        commands.append(current)
    else:
        current.append(arg)


def once(cmd):
    if cmd and cmd[0].startswith("--fresh="):
        shutil.rmtree(cmd[0][len("--fresh="):], ignore_errors=True)
        cmd = cmd[1:]
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


for cmd in commands:
    once(cmd)
    once(cmd)
times = [[] for _ in commands]
for _ in range(runs):
    for i, cmd in enumerate(commands):
        times[i].append(once(cmd))
for t in times:
    print("%.2f" % (statistics.median(t) * 1000))
