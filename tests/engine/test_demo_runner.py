"""DemoRunner: a step's output goes to its log file, its progress lines to the demo log,
and a failing step raises with the tail of its log."""
import json
import os.path as osp

import pytest

from tpmm.engine import DemoRunner


def test_step_output_is_logged_and_progress_echoed(tmp_path):
    runner = DemoRunner(str(tmp_path / 'demo'), 'tpmm_test_demo_runner')
    step_log = str(tmp_path / 'demo' / 'step' / 'step.log')
    runner.run(['-c', "print('Iter(train) [1/2] - lr: 1e-3 loss: 0.5'); print('other')"],
               step_log)
    with open(step_log) as f:
        assert f.read() == 'Iter(train) [1/2] - lr: 1e-3 loss: 0.5\nother\n'
    with open(osp.join(runner.work_dir, 'demo.log')) as f:
        echoed = [line for line in f.read().splitlines() if ' - INFO -     ' in line]
    assert len(echoed) == 1 and echoed[0].endswith(' - INFO -     lr: 1e-3 loss: 0.5')

    runner.write_results(dict(rows=[1, 2]))
    with open(osp.join(runner.work_dir, 'results.json')) as f:
        results = json.load(f)
    assert results['rows'] == [1, 2] and results['runtime_s'] >= 0


def test_failing_step_raises_with_its_last_lines(tmp_path):
    runner = DemoRunner(str(tmp_path), 'tpmm_test_demo_runner_fail')
    with pytest.raises(RuntimeError, match=r'failed \(exit 3\); last lines of .*\n.*boom'):
        runner.run(['-c', "import sys; print('boom'); sys.exit(3)"],
                   str(tmp_path / 'fail.log'))
