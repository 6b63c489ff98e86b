"""An official classifier checkpoint, converted with ``--classifier``, evaluates with a
paper config and a paper pruning overlay.

The test writes an SDT-V1 8-384 checkpoint in the key layout of
BICLab/Spike-Driven-Transformer (``model/spikeformer.py``, ``module/sps.py``,
``module/ms_conv.py``; head included), converts it with
``tools/model_converters/sdt_v1_2tpmm.py --classifier`` and runs ``tools/test.py
configs/classification/sdtv1-8-384_8xb48_in1k.py CKPT --pruning
configs/_base_/pruning/irtop_sdtv1.py``. The dumped scores must be the official
classifier's function computed here: the same weights in a tpmm backbone pruned as the
overlay says, then the official head: ``head_lif``, the linear layer at every timestep,
the mean over T.
"""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope
from spikingjelly.activation_based import functional

from helpers.spiking_backbone_checks import REPO_ROOT, randomize_
from tool_runs import dumped_scores, logged_metrics, run_tool, topk_accuracy
from tpmm.models.backbones.sdt_v1 import SDTV1
from tpmm.models.converters import CheckpointConversionError, classifier_state_dict

CONFIG = osp.join(REPO_ROOT, 'configs', 'classification', 'sdtv1-8-384_8xb48_in1k.py')
OVERLAY = osp.join(REPO_ROOT, 'configs', '_base_', 'pruning', 'irtop_sdtv1.py')
T = 2
#: images evaluated (the paper-size model at 224 px is slow on a CPU)
NUM_IMAGES = 3


def official_state_dict(tpmm_state, head_weight, head_bias):
    """The official names of a tpmm SDT-V1 state dict (its stem convs have no bias: the
    tpmm ones must be zero), plus the unused ``talking_heads`` convs and the head."""
    out = {}
    for i, suffix in enumerate(('', '1', '2', '3')):
        assert not tpmm_state[f'patch_embed.stages.{i}.conv.bias'].any()
        out[f'patch_embed.proj_conv{suffix}.weight'] = tpmm_state[
            f'patch_embed.stages.{i}.conv.weight']
        for field in ('weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'):
            out[f'patch_embed.proj_bn{suffix}.{field}'] = tpmm_state[
                f'patch_embed.stages.{i}.bn.{field}']
    names = {'patch_embed.rpe.conv.': 'patch_embed.rpe_conv.',
             'patch_embed.rpe.bn.': 'patch_embed.rpe_bn.'}
    for key, value in tpmm_state.items():
        for src, dst in names.items():
            if key.startswith(src):
                out[dst + key[len(src):]] = value
        if key.startswith('blocks.'):
            block, rest = key[len('blocks.'):].split('.', 1)
            for n in (1, 2):
                rest = rest.replace(f'mlp.fc{n}.', f'mlp.fc{n}_conv.')
                rest = rest.replace(f'mlp.bn{n}.', f'mlp.fc{n}_bn.')
            out[f'block.{block}.{rest}'] = value
            if rest == 'attn.q_conv.weight':
                out[f'block.{block}.attn.talking_heads.weight'] = torch.ones(8, 8, 3)
    out['head.weight'], out['head.bias'] = head_weight, head_bias
    return out


def official_scores(backbone, head_weight, head_bias, images):
    """The official forward (``SpikeDrivenTransformer.forward``): token mean per
    timestep, ``head_lif``, the head at every timestep, mean over T; softmax."""
    functional.reset_net(backbone)
    with torch.no_grad():
        x = backbone.forward_stages(backbone.to_sequence(images))[-1]  # [T, B, C, H, W]
        spikes = backbone.head_lif(x.flatten(3).mean(-1))  # [T, B, C]
        logits = F.linear(spikes, head_weight, head_bias).mean(0)
    return logits.softmax(-1).numpy()


def preprocessed_images(cfg, root, names):
    """The config's stock test pipeline, then ImageNet's mean / std (RGB)."""
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        pipeline = Compose(cfg.test_pipeline)
    mean = torch.tensor(cfg.data_preprocessor.mean).view(3, 1, 1)
    std = torch.tensor(cfg.data_preprocessor.std).view(3, 1, 1)
    images = []
    for name in names:
        packed = pipeline(dict(img_path=osp.join(root, 'val', name)))
        images.append((packed['inputs'].flip(0).float() - mean) / std)  # BGR -> RGB
    return torch.stack(images)


@pytest.mark.slow
def test_converted_official_classifier_reports_the_official_scores_pruned(
        tiny_imagenet, tmp_path, monkeypatch, restore_default_scope):
    root, classes, val_labels = tiny_imagenet
    torch.manual_seed(0)
    source = randomize_(SDTV1(arch='8-384', T=T, out_type='pooled'), seed=0).eval()
    with torch.no_grad():
        for i in range(4):
            source.patch_embed.stages[i].conv.bias.zero_()
    head = torch.nn.Linear(384, len(classes))
    official = official_state_dict(source.state_dict(), head.weight.detach(),
                                   head.bias.detach())
    src, dst = tmp_path / 'official.pth', tmp_path / 'converted.pth'
    torch.save({'model': official, 'epoch': 299}, src)
    run_tool(osp.join('model_converters', 'sdt_v1_2tpmm.py'), [str(src), str(dst), '--classifier'],
             monkeypatch)
    converted = torch.load(dst, weights_only=True)['state_dict']
    assert torch.equal(converted['head.fc.weight'], official['head.weight'])
    assert torch.equal(converted['head.fc.bias'], official['head.bias'])
    assert all(k.startswith(('backbone.', 'head.fc.')) for k in converted)

    names = '[' + ','.join(classes) + ']'
    out, work_dir = tmp_path / 'preds.pkl', tmp_path / 'test'
    run_tool('test.py', [
        CONFIG, str(dst), '--pruning', OVERLAY, '--work-dir', str(work_dir), '--out', str(out),
        '--cfg-options', f'model.backbone.T={T}', f'model.head.num_classes={len(classes)}',
        f'data_preprocessor.num_classes={len(classes)}',
        f'test_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.metainfo.classes={names}', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False', 'test_dataloader.batch_size=3',
        f'test_dataloader.dataset.indices={NUM_IMAGES}'
    ], monkeypatch)
    scores = dumped_scores(out)
    labels = np.asarray(val_labels[:NUM_IMAGES])
    metrics = logged_metrics(work_dir)
    assert metrics['accuracy/top1'] == pytest.approx(topk_accuracy(scores, labels, 1), abs=1e-3)
    assert metrics['accuracy/top5'] == pytest.approx(topk_accuracy(scores, labels, 5), abs=1e-3)

    cfg = Config.fromfile(CONFIG)
    val_names = [f'ILSVRC2012_val_{label:08d}.png' for label in labels]  # meta/val.txt
    images = preprocessed_images(cfg, root, val_names)
    assert images.shape[-2:] == (224, 224)  # the 14 x 14 grid the overlay's schedule is for
    pruning = Config.fromfile(OVERLAY).model.backbone.pruning.to_dict()
    pruning.pop('_delete_')
    pruned = SDTV1(arch='8-384', T=T, out_type='pooled', pruning=pruning).eval()
    pruned.load_state_dict(source.state_dict())
    expected = official_scores(pruned, head.weight.detach(), head.bias.detach(), images)
    assert not np.allclose(expected, expected[:1], atol=1e-4)  # the scores depend on the image
    np.testing.assert_allclose(scores, expected, atol=1e-5)
    unpruned = official_scores(source, head.weight.detach(), head.bias.detach(), images)
    assert not np.allclose(unpruned, expected, atol=1e-5)  # the overlay changed the result


def test_classifier_keys_the_head_and_a_distilled_checkpoints_mean_head():
    def convert(state_dict, source):  # a converter: the backbone's keys, renamed
        assert source == 'official'
        return {'stem.weight': state_dict['stem_conv.weight']}

    official = {'module.stem_conv.weight': torch.ones(2, 3), 'module.head.weight': torch.eye(2),
                'module.head.bias': torch.tensor([1.0, -1.0])}  # DistributedDataParallel keys
    converted = classifier_state_dict(convert, {'model': official})
    assert converted.keys() == {'backbone.stem.weight', 'head.fc.weight', 'head.fc.bias'}
    assert torch.equal(converted['head.fc.weight'], torch.eye(2))

    distilled = {k[len('module.'):]: v for k, v in official.items()}
    distilled.update({'head_kd.weight': -torch.eye(2), 'head_kd.bias': torch.tensor([3.0, 1.0])})
    converted = classifier_state_dict(convert, distilled)
    # the official evaluation averages the two heads' logits: the head of the mean weights
    features = torch.tensor([[0.5, 2.0]])
    expected = (F.linear(features, distilled['head.weight'], distilled['head.bias']) +
                F.linear(features, distilled['head_kd.weight'], distilled['head_kd.bias'])) / 2
    assert torch.allclose(F.linear(features, converted['head.fc.weight'],
                                   converted['head.fc.bias']), expected)

    with pytest.raises(CheckpointConversionError, match=r'head\.bias, head\.weight missing'):
        classifier_state_dict(convert, {'stem_conv.weight': torch.ones(2, 3)})
