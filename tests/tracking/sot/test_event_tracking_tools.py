"""tools/train.py and tools/test.py (one-pass evaluation, --pruning) on the event-tracking
config and generated FE108-layout sequences, run in this process (as ``__main__``, their
command lines in ``sys.argv``) to spare two interpreter start-ups."""
import os
import re
import runpy
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
CONFIG = 'configs/tracking/sot/sdtrack_sdtv1-tiny_synthetic-fe108.py'


def run_tool(args, monkeypatch, capfd):
    """Run ``tools/<x>.py args`` from the repository root; returns its output."""
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.setattr(sys, 'argv', list(args))
    runpy.run_path(args[0], run_name='__main__')
    out, err = capfd.readouterr()
    return out + err


def scores(log):
    """``{name: value}`` of the last ``sot/...`` line."""
    line = [ln for ln in log.splitlines() if 'sot/AUC' in ln][-1]
    return {k: float(v) for k, v in re.findall(r'sot/(\w+): ([\d.]+)', line)}


@pytest.mark.slow
def test_train_then_one_pass_evaluation_pruned(fe108_data, tmp_path, monkeypatch, capfd):
    root = str(fe108_data.root) + '/'
    data = [f'{loader}.dataset.data_root={root}'
            for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    log = run_tool(['tools/train.py', CONFIG, '--work-dir', str(tmp_path), '--cfg-options',
                    *data, 'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
                    'train_dataloader.batch_size=2', 'default_hooks.checkpoint.interval=2'],
                   monkeypatch, capfd)
    assert 'loss_focal' in log and 'loss_giou' in log and 'loss_l1' in log
    assert set(scores(log)) == {'AUC', 'OP50', 'OP75', 'Prec', 'NormPrec'}
    checkpoint = str(tmp_path / 'iter_2.pth')
    log = run_tool(['tools/test.py', CONFIG, checkpoint, '--work-dir', str(tmp_path / 'test'),
                    '--pruning', 'irtop_k0.5', '--cfg-options', *data], monkeypatch, capfd)
    assert "type='IRToP'" in log and 'keep_ratio=0.5' in log
    result = scores(log)
    assert 0 <= result['AUC'] <= 100 * 20 / 21 + 1e-6
