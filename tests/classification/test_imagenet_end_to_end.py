"""A paper config end to end through stock mmpretrain: ``tools/train.py`` for a few
iterations on a tiny ImageNet-layout folder, then ``tools/test.py`` with and without
``--pruning``; the reported top-1 / top-5 are recomputed from the dumped predictions
(``--out``) and the labels of ``meta/val.txt``."""
import glob
import json
import os.path as osp

import numpy as np
import pytest
import torch

from helpers.spiking_backbone_checks import REPO_ROOT, randomize_
from tool_runs import dumped_scores, logged_metrics, run_tool, topk_accuracy
from tpmm.models.backbones.sdt_v1 import SDTV1

CONFIG = osp.join(REPO_ROOT, 'configs', 'classification', 'sdtv1-8-384_8xb48_in1k.py')


def small_options(root, classes):
    """The paper config with the 'tiny' preset at T=1, 32 px crops, the tiny data."""
    names = '[' + ','.join(classes) + ']'
    options = ['model.backbone.arch=tiny', 'model.backbone.T=1', 'model.head.in_channels=64',
               f'model.head.num_classes={len(classes)}',
               f'data_preprocessor.num_classes={len(classes)}',
               'train_dataloader.dataset.pipeline.1.scale=32',
               'test_dataloader.dataset.pipeline.1.scale=36',
               'test_dataloader.dataset.pipeline.2.crop_size=32']
    for split in ('train', 'val', 'test'):
        options += [f'{split}_dataloader.dataset.data_root={root}',
                    f'{split}_dataloader.dataset.metainfo.classes={names}',
                    f'{split}_dataloader.batch_size=4', f'{split}_dataloader.num_workers=0',
                    f'{split}_dataloader.persistent_workers=False']
    return options


@pytest.mark.slow
def test_train_then_test_with_and_without_pruning(tiny_imagenet, tmp_path, monkeypatch,
                                                  restore_default_scope):
    root, classes, val_labels = tiny_imagenet
    options = small_options(root, classes)
    work_dir = tmp_path / 'work'
    run_tool('train.py', [CONFIG, '--work-dir', str(work_dir), '--cfg-options', *options,
                          'train_cfg.max_epochs=1', 'train_cfg.val_interval=2'], monkeypatch)
    checkpoint = work_dir / 'epoch_1.pth'
    saved = torch.load(checkpoint, map_location='cpu', weights_only=False)
    assert saved['meta']['iter'] == 3  # 12 images, batch 4: three iterations
    assert saved['state_dict']['head.fc.weight'].shape == (len(classes), 64)
    with open(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))[0]) as f:
        losses = [json.loads(line)['loss'] for line in f if '"loss"' in line]
    assert len(losses) >= 1 and np.isfinite(losses).all()

    # three iterations leave every spike silent (the same scores for every image): test
    # with the trained head and randomized backbone weights whose neurons fire
    backbone = randomize_(SDTV1(arch='tiny', T=1, out_type='pooled'), seed=0)
    saved['state_dict'].update({f'backbone.{k}': v for k, v in backbone.state_dict().items()})
    checkpoint = tmp_path / 'firing.pth'
    torch.save(dict(state_dict=saved['state_dict'], meta=saved['meta']), checkpoint)

    labels = np.asarray(val_labels)
    scores = {}
    for name, pruning in (('unpruned', []), ('irtop_k0.5', ['--pruning', 'irtop_k0.5'])):
        out, test_dir = tmp_path / f'{name}.pkl', tmp_path / name
        run_tool('test.py', [CONFIG, str(checkpoint), '--work-dir', str(test_dir), '--out',
                             str(out), *pruning, '--cfg-options', *options], monkeypatch)
        metrics = logged_metrics(test_dir)
        scores[name] = dumped_scores(out)
        assert scores[name].shape == (len(labels), len(classes))
        assert not np.allclose(scores[name], scores[name][:1], atol=1e-4)  # input-dependent
        assert metrics['accuracy/top1'] == pytest.approx(
            topk_accuracy(scores[name], labels, 1), abs=1e-3)
        assert metrics['accuracy/top5'] == pytest.approx(
            topk_accuracy(scores[name], labels, 5), abs=1e-3)
    # the overlay reached the backbone: keeping 2 of the 4 tokens changes the scores
    assert not np.allclose(scores['unpruned'], scores['irtop_k0.5'], atol=1e-6)
