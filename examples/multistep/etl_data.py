"""Step 2: transform the loader's output (found through its run id) into train and test sets."""
import argparse
import csv
import os
import random

import tracking

p = argparse.ArgumentParser()
p.add_argument("--load-run-id", required=True)
p.add_argument("--test-fraction", type=float, required=True)
args = p.parse_args()

raw = os.path.join(tracking.artifact_dir(args.load_run_id), "raw.csv")
with open(raw, newline="") as f:
    rows = [r for r in csv.DictReader(f) if all(r.values())]
random.Random(0).shuffle(rows)
n_test = int(len(rows) * args.test_fraction)
here = tracking.artifact_dir()
for name, part in (("test.csv", rows[:n_test]), ("train.csv", rows[n_test:])):
    with open(os.path.join(here, name), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["x1", "x2", "y"])
        w.writeheader()
        w.writerows(part)
tracking.log_metrics({"train_rows": len(rows) - n_test, "test_rows": n_test})
print(f"split {len(rows)} rows from run {args.load_run_id}: {len(rows) - n_test} train, {n_test} test")
