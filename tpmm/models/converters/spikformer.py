"""Convert a Spikformer checkpoint to the keys of ``tpmm.Spikformer``.

Sources:

* ``zoo``: spikingjelly 2.0's ``model.spikformer.Spikformer`` (``spikformer_ti`` ...).
  Its stem max-pools before the LIF: build the backbone with
  ``stem_pool='before_spike'``.
* ``official``: ZK-Zhou/spikformer ``imagenet/model.py`` (separate Q/K/V convs,
  conv biases in the projection and MLP, which are folded into the following batch
  norm's running mean). Its stem max-pools the spikes: ``stem_pool='after_spike'``
  (the default).

The classification head (``head.*``) is not part of the backbone:
:func:`~tpmm.models.converters.classifier_state_dict` adds it for an mmpretrain
``ImageClassifier``.
"""
from typing import Dict

import torch

from .state_dict_conversion import ConversionPlan, block_count, conv1x1_as_conv1d

SOURCES = ('zoo', 'official')
NOTES = {
    'zoo': "note: build tpmm.Spikformer with stem_pool='before_spike' for these weights",
    'official': "note: these weights need tpmm.Spikformer's default stem_pool='after_spike'",
}


def zoo_plan(state_dict: Dict[str, torch.Tensor]) -> ConversionPlan:
    plan = ConversionPlan(ignored=[r'head\..*'])
    for i in range(4):
        src = f'patch_embed.stages.{i}.conv_bn.block'
        plan.copy(f'patch_embed.stages.{i}.conv.weight', f'{src}.0.weight')
        plan.batch_norm(f'patch_embed.stages.{i}.bn', f'{src}.1')
    src = 'patch_embed.positional_encoding.conv_bn.block'
    plan.copy('patch_embed.rpe.conv.weight', f'{src}.0.weight')
    plan.batch_norm('patch_embed.rpe.bn', f'{src}.1')
    for j in range(block_count(state_dict, r'blocks\.(\d+)\.')):
        src = dst = f'blocks.{j}'
        for part in ('qkv_conv_bn', 'proj_conv_bn'):
            plan.copy(f'{dst}.attn.{part}.0.weight', f'{src}.attn.{part}.0.weight')
            plan.batch_norm(f'{dst}.attn.{part}.1', f'{src}.attn.{part}.1')
        for n in (1, 2):
            plan.copy(f'{dst}.mlp.fc{n}.weight', f'{src}.mlp.fc{n}.0.weight')
            plan.batch_norm(f'{dst}.mlp.bn{n}', f'{src}.mlp.fc{n}.1')
    return plan


def official_plan(state_dict: Dict[str, torch.Tensor]) -> ConversionPlan:
    plan = ConversionPlan(ignored=[r'head\..*', r'block\.\d+\.norm[12]\.(weight|bias)'])
    for i, suffix in enumerate(('', '1', '2', '3')):
        plan.copy(f'patch_embed.stages.{i}.conv.weight', f'patch_embed.proj_conv{suffix}.weight')
        plan.batch_norm(f'patch_embed.stages.{i}.bn', f'patch_embed.proj_bn{suffix}')
    plan.copy('patch_embed.rpe.conv.weight', 'patch_embed.rpe_conv.weight')
    plan.batch_norm('patch_embed.rpe.bn', 'patch_embed.rpe_bn')
    for j in range(block_count(state_dict, r'block\.(\d+)\.')):
        src, dst = f'block.{j}', f'blocks.{j}'
        plan.add([f'{dst}.attn.qkv_conv_bn.0.weight'],
                 [f'{src}.attn.{x}_conv.weight' for x in 'qkv'],
                 lambda *w: [conv1x1_as_conv1d(torch.cat(w))])
        plan.concat_batch_norms(f'{dst}.attn.qkv_conv_bn.1', [f'{src}.attn.{x}_bn' for x in 'qkv'])
        plan.copy(f'{dst}.attn.proj_conv_bn.0.weight', f'{src}.attn.proj_conv.weight',
                  conv1x1_as_conv1d)
        plan.batch_norm(f'{dst}.attn.proj_conv_bn.1', f'{src}.attn.proj_bn',
                        subtract_bias=f'{src}.attn.proj_conv.bias')
        for n in (1, 2):
            plan.copy(f'{dst}.mlp.fc{n}.weight', f'{src}.mlp.fc{n}_conv.weight',
                      conv1x1_as_conv1d)
            plan.batch_norm(f'{dst}.mlp.bn{n}', f'{src}.mlp.fc{n}_bn',
                            subtract_bias=f'{src}.mlp.fc{n}_conv.bias')
    return plan


def convert(state_dict: Dict[str, torch.Tensor],
            source: str = 'official') -> Dict[str, torch.Tensor]:
    """Spikformer state dict of layout ``source`` (``'zoo'`` or ``'official'``) ->
    ``tpmm.Spikformer`` state dict (without pyramid and head)."""
    if source not in SOURCES:
        raise ValueError(f'source must be one of {SOURCES}, got source={source!r}')
    plan = zoo_plan(state_dict) if source == 'zoo' else official_plan(state_dict)
    return plan.run(state_dict, f'Spikformer ({source})')

