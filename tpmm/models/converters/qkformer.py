"""Convert a QKFormer checkpoint to the keys of ``tpmm.QKFormer``.

Sources:

* ``zoo``: spikingjelly 2.0's ``model.qkformer.QKFormer`` (``qkformer_10_384``).
* ``official``: zhouchenlin2096/QKFormer ``imagenet/qkformer.py`` (separate Q/K(/V)
  convs, attention projection biases folded into the following batch norm's running
  mean, 1x1 ``Conv2d`` MLP weights reshaped to ``Conv1d``, zero biases written for its
  bias-free patch-embedding convs).

The classification head (``head.*``) is not part of the backbone:
:func:`~tpmm.models.converters.classifier_state_dict` adds it for an mmpretrain
``ImageClassifier``.
"""
from typing import Dict, List, Tuple

import torch

from .state_dict_conversion import ConversionPlan, block_count, conv1x1_as_conv1d

SOURCES = ('zoo', 'official')
#: (conv, batch norm) pairs of each patch embedding, tpmm names
STEM_LAYERS = [('conv1', 'bn1'), ('conv2', 'bn2'), ('conv3', 'bn3'), ('shortcut.0', 'shortcut.1')]
DOWNSAMPLE_LAYERS = [('conv1', 'bn1'), ('conv2', 'bn2'), ('shortcut.0', 'shortcut.1')]
#: official (conv, batch norm) names in the same order
OFFICIAL_STEM_LAYERS = [('proj_conv', 'proj_bn'), ('proj1_conv', 'proj1_bn'),
                        ('proj2_conv', 'proj2_bn'), ('proj_res_conv', 'proj_res_bn')]
OFFICIAL_DOWNSAMPLE_LAYERS = [('proj3_conv', 'proj3_bn'), ('proj4_conv', 'proj4_bn'),
                              ('proj_res_conv', 'proj_res_bn')]


def embed_layers(stage: int) -> List[Tuple[str, str]]:
    return STEM_LAYERS if stage == 0 else DOWNSAMPLE_LAYERS


def zoo_plan(state_dict: Dict[str, torch.Tensor]) -> ConversionPlan:
    plan = ConversionPlan(ignored=[r'head\..*'])
    for s in range(3):
        src, dst = f'patch_embed{s + 1}', f'patch_embeds.{s}'
        for conv, bn in embed_layers(s):
            for field in ('weight', 'bias'):
                plan.copy(f'{dst}.{conv}.{field}', f'{src}.{conv}.{field}')
            plan.batch_norm(f'{dst}.{bn}', f'{src}.{bn}')
        qk = 'qkv_conv_bn' if s == 2 else 'qk_conv_bn'
        for j in range(block_count(state_dict, rf'stage{s + 1}\.(\d+)\.')):
            src, dst = f'stage{s + 1}.{j}', f'stages.{s}.{j}'
            for part in (qk, 'proj_conv_bn'):
                plan.copy(f'{dst}.attn.{part}.0.weight', f'{src}.attn.{part}.0.weight')
                plan.batch_norm(f'{dst}.attn.{part}.1', f'{src}.attn.{part}.1')
            for n in (1, 2):
                for field in ('weight', 'bias'):
                    plan.copy(f'{dst}.mlp.fc{n}.{field}', f'{src}.mlp.fc{n}.{field}')
                plan.batch_norm(f'{dst}.mlp.bn{n}', f'{src}.mlp.bn{n}')
    return plan


def official_plan(state_dict: Dict[str, torch.Tensor]) -> ConversionPlan:
    plan = ConversionPlan(ignored=[r'head\..*'])
    for s in range(3):
        src, dst = f'patch_embed{s + 1}', f'patch_embeds.{s}'
        official = OFFICIAL_STEM_LAYERS if s == 0 else OFFICIAL_DOWNSAMPLE_LAYERS
        for (conv, bn), (src_conv, src_bn) in zip(embed_layers(s), official):
            plan.copy(f'{dst}.{conv}.weight', f'{src}.{src_conv}.weight')
            plan.zero_bias(f'{dst}.{conv}.bias', f'{src}.{src_conv}.weight')
            plan.batch_norm(f'{dst}.{bn}', f'{src}.{src_bn}')
        attn, parts, fused = (('attn', 'qkv', 'qkv_conv_bn') if s == 2
                              else ('tssa', 'qk', 'qk_conv_bn'))
        for j in range(block_count(state_dict, rf'stage{s + 1}\.(\d+)\.')):
            src, dst = f'stage{s + 1}.{j}', f'stages.{s}.{j}'
            plan.add([f'{dst}.attn.{fused}.0.weight'],
                     [f'{src}.{attn}.{x}_conv.weight' for x in parts],
                     lambda *w: [conv1x1_as_conv1d(torch.cat(w))])
            plan.concat_batch_norms(f'{dst}.attn.{fused}.1',
                                    [f'{src}.{attn}.{x}_bn' for x in parts])
            plan.copy(f'{dst}.attn.proj_conv_bn.0.weight', f'{src}.{attn}.proj_conv.weight',
                      conv1x1_as_conv1d)
            plan.batch_norm(f'{dst}.attn.proj_conv_bn.1', f'{src}.{attn}.proj_bn',
                            subtract_bias=f'{src}.{attn}.proj_conv.bias')
            for n in (1, 2):
                plan.copy(f'{dst}.mlp.fc{n}.weight', f'{src}.mlp.fc{n}_conv.weight',
                          conv1x1_as_conv1d)
                plan.copy(f'{dst}.mlp.fc{n}.bias', f'{src}.mlp.fc{n}_conv.bias')
                plan.batch_norm(f'{dst}.mlp.bn{n}', f'{src}.mlp.fc{n}_bn')
    return plan


def convert(state_dict: Dict[str, torch.Tensor],
            source: str = 'official') -> Dict[str, torch.Tensor]:
    """QKFormer state dict of layout ``source`` (``'zoo'`` or ``'official'``) ->
    ``tpmm.QKFormer`` state dict (without head)."""
    if source not in SOURCES:
        raise ValueError(f'source must be one of {SOURCES}, got source={source!r}')
    plan = zoo_plan(state_dict) if source == 'zoo' else official_plan(state_dict)
    return plan.run(state_dict, f'QKFormer ({source})')

