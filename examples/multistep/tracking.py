"""A tiny MLflow tracking client on the Python standard library.

Baton (like `mlflow run`) gives every step MLFLOW_RUN_ID, MLFLOW_TRACKING_URI and
MLFLOW_EXPERIMENT_ID; with the real `mlflow` package installed, `mlflow.start_run()` picks them up.
This example must run on a bare Python, so it speaks the same REST API directly.
"""
import json
import os
import time
import urllib.parse
import urllib.request

RUN_ID = os.environ["MLFLOW_RUN_ID"]
_URI = os.environ["MLFLOW_TRACKING_URI"].rstrip("/")
_TOKEN = os.environ.get("MLFLOW_TRACKING_TOKEN")


def _call(method, endpoint, body=None):
    url = f"{_URI}/api/2.0/mlflow/{endpoint}"
    data = None
    if method == "GET" and body:
        url += "?" + urllib.parse.urlencode(body)
    elif body is not None:
        data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if _TOKEN:
        req.add_header("Authorization", f"Bearer {_TOKEN}")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"{}")


def get_run(run_id=RUN_ID):
    return _call("GET", "runs/get", {"run_id": run_id})["run"]


def artifact_dir(run_id=RUN_ID):
    """The local folder behind a run's file:// artifact URI."""
    uri = get_run(run_id)["info"]["artifact_uri"]
    return urllib.request.url2pathname(urllib.parse.urlparse(uri).path)


def log_metric(key, value, step=0):
    _call("POST", "runs/log-metric", {"run_id": RUN_ID, "key": key, "value": value,
                                      "timestamp": int(time.time() * 1000), "step": step})


def log_metrics(metrics, step=0):
    now = int(time.time() * 1000)
    _call("POST", "runs/log-batch", {"run_id": RUN_ID, "metrics": [
        {"key": k, "value": v, "timestamp": now, "step": step} for k, v in metrics.items()]})


def set_tag(key, value):
    _call("POST", "runs/set-tag", {"run_id": RUN_ID, "key": key, "value": str(value)})
