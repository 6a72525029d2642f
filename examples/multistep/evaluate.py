"""Step 4 (model evaluation): score the trained model on the held-out set and log its RMSE."""
import argparse
import csv
import json
import math
import os

import tracking

p = argparse.ArgumentParser()
p.add_argument("--model-run-id", required=True)
p.add_argument("--test-csv", required=True)
args = p.parse_args()

with open(os.path.join(tracking.artifact_dir(args.model_run_id), "model.json")) as f:
    m = json.load(f)
with open(args.test_csv, newline="") as f:
    rows = [(float(r["x1"]), float(r["x2"]), float(r["y"])) for r in csv.DictReader(f)]
se = sum((m["w1"] * x1 + m["w2"] * x2 + m["b"] - y) ** 2 for x1, x2, y in rows)
rmse = math.sqrt(se / len(rows))
tracking.log_metric("rmse", rmse)
tracking.set_tag("evaluated_model", args.model_run_id)
print(f"rmse on {len(rows)} held-out rows: {rmse:.4f}")
