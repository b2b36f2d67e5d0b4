#!/usr/bin/env python3
"""Reads what `depthfarm export` wrote with MLflow's and TensorBoard's own readers and prints it
as one JSON document, for Tests/IntegrationTests/ExportTests.swift to compare with the result
folder. Values are printed as repr() text ("0.1", "nan", "inf"), which reads back to the same
double; JSON has no NaN.

Usage: read_exports.py --mlflow STORE_FOLDER | --tensorboard LOG_FOLDER
Needs: mlflow-skinny, tensorboard (scripts/test installs them into .venv-test).
"""
import argparse
import json
import os
import sys

# MLflow 3 refuses its file store unless asked for it (the export writes that format).
os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")


def read_mlflow(folder):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri="file:" + os.path.abspath(folder))
    experiments = []
    for experiment in client.search_experiments():
        if experiment.name == "Default":  # created by MLflow when it opens a store without one
            continue
        runs = []
        for run in client.search_runs([experiment.experiment_id], max_results=50000):
            metrics = {}
            for key in run.data.metrics:
                history = client.get_metric_history(run.info.run_id, key)
                metrics[key] = [[m.step, repr(m.value), m.timestamp] for m in history]
            runs.append({
                "run_id": run.info.run_id,
                "run_name": run.info.run_name,
                "status": run.info.status,
                "start_time": run.info.start_time,
                "params": dict(run.data.params),
                "tags": {k: v for k, v in run.data.tags.items()},
                "metrics": metrics,
            })
        experiments.append({"experiment_id": experiment.experiment_id, "name": experiment.name, "runs": runs})
    return {"experiments": experiments}


def read_tensorboard(folder):
    from tensorboard.backend.event_processing import event_accumulator

    runs = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not os.path.isdir(path):
            continue
        # 0: keep every value (the default keeps a sample of 10,000 per tag).
        accumulator = event_accumulator.EventAccumulator(path, size_guidance={event_accumulator.SCALARS: 0})
        accumulator.Reload()
        runs[name] = {
            "file_version": accumulator.file_version,
            "scalars": {tag: [[e.step, repr(e.value)] for e in accumulator.Scalars(tag)]
                        for tag in accumulator.Tags()["scalars"]},
        }
    return {"runs": runs}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--mlflow")
    group.add_argument("--tensorboard")
    arguments = parser.parse_args()
    result = read_mlflow(arguments.mlflow) if arguments.mlflow else read_tensorboard(arguments.tensorboard)
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
