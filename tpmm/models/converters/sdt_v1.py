"""Convert a Spike-driven Transformer V1 checkpoint to the keys of ``tpmm.SDTV1``.

Sources:

* ``zoo``: spikingjelly 2.0's ``model.spike_driven_transformer.SpikeDrivenTransformer``
  (``sdt_8_384``).
* ``official``: BICLab/Spike-Driven-Transformer ``model/spikeformer.py`` with
  ``module/ms_conv.py`` and ``module/sps.py`` (its stem convs have no bias: zeros are
  written; the ``talking_heads`` conv, unused by its forward, is dropped).

The classification head (``head.*``) is not part of the backbone:
:func:`~tpmm.models.converters.classifier_state_dict` adds it for an mmpretrain
``ImageClassifier``.
"""
from typing import Dict

import torch

from .state_dict_conversion import ConversionPlan, block_count

SOURCES = ('zoo', 'official')
BLOCK_BATCH_NORMS = ('attn.q_bn', 'attn.k_bn', 'attn.v_bn', 'attn.proj_bn')


def zoo_plan(state_dict: Dict[str, torch.Tensor]) -> ConversionPlan:
    plan = ConversionPlan(ignored=[r'head\..*'])
    stages = [f'patch_embed.stages.{i}' for i in range(3)] + ['patch_embed.final_stage']
    for i, src in enumerate(stages):
        for field in ('weight', 'bias'):
            plan.copy(f'patch_embed.stages.{i}.conv.{field}', f'{src}.0.{field}')
        plan.batch_norm(f'patch_embed.stages.{i}.bn', f'{src}.1')
    plan.copy('patch_embed.rpe.conv.weight', 'patch_embed.rpe_conv.weight')
    plan.batch_norm('patch_embed.rpe.bn', 'patch_embed.rpe_bn')
    for j in range(block_count(state_dict, r'blocks\.(\d+)\.')):
        block = f'blocks.{j}'
        for conv in ('attn.q_conv.weight', 'attn.k_conv.weight', 'attn.v_conv.weight',
                     'attn.proj_conv.weight', 'attn.proj_conv.bias', 'mlp.fc1.weight',
                     'mlp.fc1.bias', 'mlp.fc2.weight', 'mlp.fc2.bias'):
            plan.copy(f'{block}.{conv}', f'{block}.{conv}')
        for bn in BLOCK_BATCH_NORMS + ('mlp.bn1', 'mlp.bn2'):
            plan.batch_norm(f'{block}.{bn}', f'{block}.{bn}')
    return plan


def official_plan(state_dict: Dict[str, torch.Tensor]) -> ConversionPlan:
    plan = ConversionPlan(ignored=[r'head\..*', r'block\.\d+\.attn\.talking_heads\.weight'])
    for i, suffix in enumerate(('', '1', '2', '3')):
        weight = f'patch_embed.proj_conv{suffix}.weight'
        plan.copy(f'patch_embed.stages.{i}.conv.weight', weight)
        plan.zero_bias(f'patch_embed.stages.{i}.conv.bias', weight)
        plan.batch_norm(f'patch_embed.stages.{i}.bn', f'patch_embed.proj_bn{suffix}')
    plan.copy('patch_embed.rpe.conv.weight', 'patch_embed.rpe_conv.weight')
    plan.batch_norm('patch_embed.rpe.bn', 'patch_embed.rpe_bn')
    for j in range(block_count(state_dict, r'block\.(\d+)\.')):
        src, dst = f'block.{j}', f'blocks.{j}'
        for conv in ('attn.q_conv.weight', 'attn.k_conv.weight', 'attn.v_conv.weight',
                     'attn.proj_conv.weight', 'attn.proj_conv.bias'):
            plan.copy(f'{dst}.{conv}', f'{src}.{conv}')
        for bn in BLOCK_BATCH_NORMS:
            plan.batch_norm(f'{dst}.{bn}', f'{src}.{bn}')
        for n in (1, 2):
            for field in ('weight', 'bias'):
                plan.copy(f'{dst}.mlp.fc{n}.{field}', f'{src}.mlp.fc{n}_conv.{field}')
            plan.batch_norm(f'{dst}.mlp.bn{n}', f'{src}.mlp.fc{n}_bn')
    return plan


def convert(state_dict: Dict[str, torch.Tensor],
            source: str = 'official') -> Dict[str, torch.Tensor]:
    """SDT-V1 state dict of layout ``source`` (``'zoo'`` or ``'official'``) ->
    ``tpmm.SDTV1`` state dict (without pyramid and head)."""
    if source not in SOURCES:
        raise ValueError(f'source must be one of {SOURCES}, got source={source!r}')
    plan = zoo_plan(state_dict) if source == 'zoo' else official_plan(state_dict)
    return plan.run(state_dict, f'SDT-V1 ({source})')

