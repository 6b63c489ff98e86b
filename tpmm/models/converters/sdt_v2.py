"""Convert a Meta-SpikeFormer (Spike-Driven Transformer V2) checkpoint to the keys of
``tpmm.SDTV2``.

Source layout: BICLab/Spike-Driven-Transformer-V2 ``classification/models.py``
(``Spiking_vit_MetaFormer``), also as the ``backbone.`` of a detection / segmentation
checkpoint (BICLab/Spike-Driven-Transformer-V3 ``mmdet/models/backbones/sdt.py``).
Weights wrapped in ``'model'`` / ``'state_dict'`` are unwrapped. The classifier
(``head.*``, ``head_kd.*``) and, in a detector checkpoint, everything outside
``backbone.`` are dropped (:func:`~tpmm.models.converters.classifier_state_dict`
adds the head for an mmpretrain ``ImageClassifier``). Every missing and every unknown
key is named in the error.

The output ``{'state_dict': ...}`` loads with
``init_cfg=dict(type='Pretrained', checkpoint=DST)``. The reference classifier keeps
its last stage at stride 16: build ``SDTV2(..., last_stage_stride=1)`` to reproduce it
(the default 2 gives a stride-32 last level for dense heads; the weights are the same).
"""
from typing import Callable, Dict, List, Tuple

import torch

from .state_dict_conversion import ConversionPlan, block_count, unwrap_state_dict

Tensor = torch.Tensor
SOURCES = ('official', )
IGNORED = [r'head\..*', r'head_kd\..*']


def backbone_weights(state_dict: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """The backbone part of a state dict: keys under ``backbone.`` (prefix removed) if
    there are any (a detector / segmentor checkpoint), else all keys."""
    state_dict = unwrap_state_dict(state_dict)
    prefix = 'backbone.'
    if any(k.startswith(prefix) for k in state_dict):
        return {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    return state_dict


def stage_layout(state_dict: Dict[str, Tensor]) -> List[Tuple[str, str, str]]:
    """``(kind, tpmm prefix, reference prefix)`` of every downsampling layer and block
    of the Meta-SpikeFormer layout; ``kind`` is ``'downsample'``, ``'conv_block'`` or
    ``'transformer_block'``. Stages are sized by the blocks the checkpoint has (at
    least one, so that an absent stage shows up as missing keys)."""
    def count(prefix: str) -> int:
        return max(1, block_count(state_dict, rf'{prefix}\.(\d+)\.'))

    layout = [('downsample', 'stem_conv', 'downsample1_1'),
              ('conv_block', 'stem_block', 'ConvBlock1_1.0'),
              ('downsample', 'downsamples.0', 'downsample1_2')]
    layout += [('conv_block', f'stages.0.{j}', f'ConvBlock1_2.{j}')
               for j in range(count('ConvBlock1_2'))]
    layout.append(('downsample', 'downsamples.1', 'downsample2'))
    stage1 = [f'ConvBlock2_1.{j}' for j in range(count('ConvBlock2_1'))]
    stage1 += [f'ConvBlock2_2.{j}' for j in range(count('ConvBlock2_2'))]
    layout += [('conv_block', f'stages.1.{j}', src) for j, src in enumerate(stage1)]
    for stage, name in ((2, 'block3'), (3, 'block4')):
        layout.append(('downsample', f'downsamples.{stage}', f'downsample{stage + 1}'))
        layout += [('transformer_block', f'stages.{stage}.{j}', f'{name}.{j}')
                   for j in range(count(name))]
    return layout


def downsample(plan: ConversionPlan, dst: str, src: str) -> None:
    for field in ('weight', 'bias'):
        plan.copy(f'{dst}.conv.{field}', f'{src}.encode_conv.{field}')
    plan.batch_norm(f'{dst}.bn', f'{src}.encode_bn')


def conv_mlp(plan: ConversionPlan, dst: str, src: str) -> None:
    """The 3x3-conv channel MLP of a conv block (same names on both sides)."""
    for n in (1, 2):
        plan.copy(f'{dst}.conv{n}.weight', f'{src}.conv{n}.weight')
        plan.batch_norm(f'{dst}.bn{n}', f'{src}.bn{n}')


def token_mlp(plan: ConversionPlan, dst: str, src: str) -> None:
    for n in (1, 2):
        for field in ('weight', 'bias'):
            plan.copy(f'{dst}.mlp.fc{n}_conv.{field}', f'{src}.mlp.fc{n}_conv.{field}')
        plan.batch_norm(f'{dst}.mlp.fc{n}_bn', f'{src}.mlp.fc{n}_bn')


def conv_block(plan: ConversionPlan, dst: str, src: str) -> None:
    for conv in ('pwconv1', 'dwconv', 'pwconv2'):
        plan.copy(f'{dst}.sep_conv.{conv}.weight', f'{src}.Conv.{conv}.weight')
    for bn in ('bn1', 'bn2'):
        plan.batch_norm(f'{dst}.sep_conv.{bn}', f'{src}.Conv.{bn}')
    conv_mlp(plan, dst, src)


def rep_conv(plan: ConversionPlan, dst: str, src: str) -> None:
    """``RepConv.body`` (1x1, BNAndPad, (3x3 dw, 1x1, BN)) -> ``tpmm RepConv``."""
    plan.copy(f'{dst}.pw_in.weight', f'{src}.body.0.weight')
    plan.batch_norm(f'{dst}.bn_in.bn', f'{src}.body.1.bn')
    plan.copy(f'{dst}.dw.weight', f'{src}.body.2.0.weight')
    plan.copy(f'{dst}.pw_out.weight', f'{src}.body.2.1.weight')
    plan.batch_norm(f'{dst}.bn_out', f'{src}.body.2.2')


def transformer_block(plan: ConversionPlan, dst: str, src: str) -> None:
    for name in ('q', 'k', 'v', 'proj'):
        rep_conv(plan, f'{dst}.attn.{name}_conv', f'{src}.attn.{name}_conv.0')
        plan.batch_norm(f'{dst}.attn.{name}_bn', f'{src}.attn.{name}_conv.1')
    token_mlp(plan, dst, src)


BLOCKS: Dict[str, Callable[[ConversionPlan, str, str], None]] = dict(
    downsample=downsample, conv_block=conv_block, transformer_block=transformer_block)


def convert_layout(state_dict: Dict[str, Tensor], blocks: Dict[str, Callable],
                   what: str) -> Dict[str, Tensor]:
    """Convert with the per-kind mappings ``blocks`` (see :func:`stage_layout`)."""
    state_dict = backbone_weights(state_dict)
    plan = ConversionPlan(ignored=IGNORED)
    for kind, dst, src in stage_layout(state_dict):
        blocks[kind](plan, dst, src)
    return plan.run(state_dict, what)


def check_source(source: str) -> None:
    """Only the official layout exists (spikingjelly's zoo has no SDT-V2 / V3)."""
    if source not in SOURCES:
        raise ValueError(f'source must be one of {SOURCES}, got source={source!r}')


def convert(state_dict: Dict[str, Tensor], source: str = 'official') -> Dict[str, Tensor]:
    """Reference Meta-SpikeFormer state dict (possibly wrapped) -> ``tpmm.SDTV2`` state
    dict. Raises ``CheckpointConversionError`` naming missing and unknown keys."""
    check_source(source)
    return convert_layout(state_dict, BLOCKS, 'Meta-SpikeFormer (SDT-V2)')

