"""Step 1: "download" raw data — a synthetic regression set y = 3*x1 - 2*x2 + 0.5 + noise."""
import argparse
import csv
import os
import random

import tracking

p = argparse.ArgumentParser()
p.add_argument("--rows", type=int, required=True)
p.add_argument("--seed", type=int, required=True)
args = p.parse_args()

rng = random.Random(args.seed)
out = os.path.join(tracking.artifact_dir(), "raw.csv")
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["x1", "x2", "y"])
    for _ in range(args.rows):
        x1, x2 = rng.uniform(-1, 1), rng.uniform(-1, 1)
        w.writerow([f"{x1:.6f}", f"{x2:.6f}", f"{3 * x1 - 2 * x2 + 0.5 + rng.gauss(0, 0.1):.6f}"])
tracking.log_metric("rows", args.rows)
print(f"wrote {args.rows} rows to {out}")
