"""Step 5: a quality gate fed by the evaluation step's metric; fails the workflow when it is too high."""
import argparse
import sys

p = argparse.ArgumentParser()
p.add_argument("--rmse", type=float, required=True)
p.add_argument("--max-rmse", type=float, required=True)
args = p.parse_args()

if args.rmse > args.max_rmse:
    print(f"FAIL: rmse {args.rmse:.4f} is above the limit {args.max_rmse}", file=sys.stderr)
    sys.exit(1)
print(f"PASS: rmse {args.rmse:.4f} is within the limit {args.max_rmse}")
