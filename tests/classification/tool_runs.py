"""Running ``tools/*.py`` in the test process and reading what they write."""
import glob
import json
import os.path as osp
import pickle
import runpy
import sys

import numpy as np

from helpers.spiking_backbone_checks import REPO_ROOT


def run_tool(script, args, monkeypatch):
    """``tools/<script> ARGS`` in this process (its imports are already paid for)."""
    monkeypatch.setattr(sys, 'argv', [script, *args])
    runpy.run_path(osp.join(REPO_ROOT, 'tools', script), run_name='__main__')


def logged_metrics(work_dir):
    """The metrics mmengine's LoggerHook wrote to ``<work_dir>/<timestamp>/<timestamp>.json``
    at the end of the test."""
    logs = glob.glob(osp.join(work_dir, '*', '*.json'))
    assert len(logs) == 1, logs
    with open(logs[0]) as f:
        return json.loads(f.read().splitlines()[-1])


def topk_accuracy(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Percentage of rows whose label is among the k highest scores."""
    top = np.argsort(-scores, axis=1, kind='stable')[:, :k]
    return 100.0 * float(np.mean([label in row for row, label in zip(top, labels)]))


def dumped_scores(path):
    with open(path, 'rb') as f:
        results = pickle.load(f)
    return np.stack([np.asarray(r['pred_score']) for r in results])
