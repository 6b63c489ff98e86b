"""The runner of the offline demos (``tools/demo.py``, ``tools/demo_tracking.py``,
``tools/demo_event_tracking.py``): each step is a stock entry point run as a
subprocess from the repository root."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, Optional, Sequence

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: log lines of a step that are echoed to the demo's log
PROGRESS_MARKERS = ('Iter(train)', 'Iter(val)', 'Iter(test)')


class DemoRunner:
    """Runs ``python <script> ...`` steps, tees each step's output to its own log file and
    echoes progress lines to the demo's log (``<work_dir>/demo.log``).

    Args:
        work_dir: the demo's output folder (created).
        logger_name: name of the demo's ``MMLogger``.
        env: environment of the steps (default: this process's).
    """

    def __init__(self, work_dir: str, logger_name: str, env: Optional[Dict[str, str]] = None):
        from mmengine.logging import MMLogger
        self.work_dir = osp.abspath(work_dir)
        os.makedirs(self.work_dir, exist_ok=True)
        self.env = dict(os.environ) if env is None else env
        self.logger = MMLogger.get_instance(
            logger_name, log_file=osp.join(self.work_dir, 'demo.log'), log_level='INFO')
        self.start = time.time()

    def log(self, message: str) -> None:
        self.logger.info(f'[{time.time() - self.start:6.0f} s] {message}')

    def run(self, args: Sequence[str], log_file: str) -> None:
        """Run ``python args...`` from the repo root, teeing progress lines to the log;
        a failing step raises with the last lines of its log."""
        os.makedirs(osp.dirname(log_file), exist_ok=True)
        self.log(f'$ {" ".join(args)}  (log: {osp.relpath(log_file, REPO_ROOT)})')
        with open(log_file, 'w') as f, subprocess.Popen(
                [sys.executable, *args], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, env=self.env) as proc:
            for line in proc.stdout:
                f.write(line)
                if any(marker in line for marker in PROGRESS_MARKERS):
                    self.logger.info('    ' + line.strip().split(' - ')[-1][:160])
            proc.wait()
        if proc.returncode != 0:
            with open(log_file) as f:
                tail = ''.join(f.readlines()[-30:])
            raise RuntimeError(f'{" ".join(args)} failed (exit {proc.returncode}); '
                               f'last lines of {log_file}:\n{tail}')

    def train(self, config: str, work_dir: str, options: Sequence[str] = ()) -> str:
        """Train ``config`` with ``tools/train.py`` (``--cfg-options options``); returns
        its last checkpoint."""
        self.run(['tools/train.py', config, '--work-dir', work_dir, '--cfg-options',
                  *options], osp.join(work_dir, 'train.log'))
        with open(osp.join(work_dir, 'last_checkpoint')) as f:
            return f.read().strip()

    def test(self, config: str, checkpoint: str, work_dir: str,
             args: Sequence[str] = ()) -> dict:
        """Evaluate with ``tools/test.py`` (extra ``args``); returns the metrics it
        logged (its last ``<work_dir>/<timestamp>/*.json``)."""
        self.run(['tools/test.py', config, checkpoint, '--work-dir', work_dir, *args],
                 osp.join(work_dir, 'test.log'))
        logs = sorted(glob.glob(osp.join(work_dir, '*', '*.json')))
        if not logs:
            raise RuntimeError(f'tools/test.py wrote no metrics under {work_dir}')
        with open(logs[-1]) as f:
            return json.load(f)

    def write_results(self, results: dict) -> None:
        """Write ``<work_dir>/results.json`` (with the runtime) and log where it is."""
        elapsed = time.time() - self.start
        path = osp.join(self.work_dir, 'results.json')
        with open(path, 'w') as f:
            json.dump(dict(results, runtime_s=elapsed), f, indent=2)
        self.log(f'done in {elapsed / 60:.1f} min; results: {osp.relpath(path, REPO_ROOT)}')
