"""Step 3 (model engineering): fit a linear model by gradient descent; log the loss per epoch."""
import argparse
import csv
import json
import os

import tracking

p = argparse.ArgumentParser()
p.add_argument("--etl-run-id", required=True)
p.add_argument("--learning-rate", type=float, required=True)
p.add_argument("--epochs", type=int, required=True)
args = p.parse_args()

with open(os.path.join(tracking.artifact_dir(args.etl_run_id), "train.csv"), newline="") as f:
    data = [(float(r["x1"]), float(r["x2"]), float(r["y"])) for r in csv.DictReader(f)]

w1 = w2 = b = 0.0
n = len(data)
for epoch in range(args.epochs):
    g1 = g2 = gb = loss = 0.0
    for x1, x2, y in data:
        err = w1 * x1 + w2 * x2 + b - y
        g1, g2, gb, loss = g1 + err * x1, g2 + err * x2, gb + err, loss + err * err
    w1 -= args.learning_rate * 2 * g1 / n
    w2 -= args.learning_rate * 2 * g2 / n
    b -= args.learning_rate * 2 * gb / n
    if epoch % 10 == 0 or epoch == args.epochs - 1:
        tracking.log_metric("train_mse", loss / n, step=epoch)

with open(os.path.join(tracking.artifact_dir(), "model.json"), "w") as f:
    json.dump({"w1": w1, "w2": w2, "b": b}, f)
print(f"model: y = {w1:.3f}*x1 + {w2:.3f}*x2 + {b:.3f}")
