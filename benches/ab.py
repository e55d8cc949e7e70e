#!/usr/bin/env python3
# Interleaved before/after runs of two builds of the harness (see docs/performance.md,
# "The Core split, before and after"): build each commit's `target/release/evloop-peers`,
# copy the binaries aside, and run `python3 benches/ab.py BEFORE AFTER ROUNDS WORKLOAD...`.
"""Interleaved A/B of two evloop-peers binaries, evloop only.
usage: ab.py BASE NEW ROUNDS WORKLOAD... ; prints per-workload medians."""
import subprocess, sys, re, statistics, json
base, new, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
workloads = sys.argv[4:]
res = {w: {'base': [], 'new': []} for w in workloads}
def run(binary, w):
    out = subprocess.run([binary, '--only', 'evloop', '--workload', w, '--reps', '3', '--no-floors'],
                         capture_output=True, text=True, timeout=900).stdout
    for line in out.splitlines():
        if line.startswith('| ') and ' | ' in line and not line.startswith('| workload') and not line.startswith('|---'):
            cells = [c.strip() for c in line.strip('|').split('|')]
            # first table: workload, figure, evloop, ratio
            m = re.match(r'([\d,.]+)', cells[2])
            if m:
                return float(m.group(1).replace(',', ''))
    raise RuntimeError(out)
for r in range(rounds):
    order = [('base', base), ('new', new)] if r % 2 == 0 else [('new', new), ('base', base)]
    for w in workloads:
        for name, b in order:
            res[w][name].append(run(b, w))
        print(r, w, res[w], flush=True)
print('SUMMARY')
for w in workloads:
    b = statistics.median(res[w]['base']); n = statistics.median(res[w]['new'])
    print(f'{w}: base {b:.1f} new {n:.1f} new/base {n/b:.3f}  base={res[w]["base"]} new={res[w]["new"]}')
print(json.dumps(res))
