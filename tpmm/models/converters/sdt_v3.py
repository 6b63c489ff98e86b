"""Convert an E-SpikeFormer (Spike-Driven Transformer V3) checkpoint to the keys of
``tpmm.SDTV3``.

Source layout: BICLab/Spike-Driven-Transformer-V3
``SDT_V3/Classification/Model_Base/models.py``
(``Spiking_vit_MetaFormer_Spike_SepConv``, the 5.1M / 10M / 19M models), also as the
``backbone.`` of a detection checkpoint (``mmdet/models/backbones/sdeformer.py``).
Weights wrapped in ``'model'`` / ``'state_dict'`` are unwrapped; the classifier
(``head.*``, ``head_kd.*``) and, in a detector checkpoint, everything outside
``backbone.`` are dropped (:func:`~tpmm.models.converters.classifier_state_dict`
adds the head for an mmpretrain ``ImageClassifier``). Every missing and every unknown
key is named in the error.
The 83M / 173M ``Model_Large`` models have another layout and are refused.

The output ``{'state_dict': ...}`` loads with
``init_cfg=dict(type='Pretrained', checkpoint=DST)``; use ``max_spike=4`` (and
``last_stage_stride=1`` to reproduce the reference classifier's stride-16 last stage).
"""
from typing import Dict

import torch

from .sdt_v2 import SOURCES, check_source, conv_mlp, convert_layout, downsample, token_mlp

Tensor = torch.Tensor


def spiking_sep_conv(plan, dst: str, src: str) -> None:
    """``SepConv_Spike`` (``pwconv1``, ``dwconv``, ``pwconv2``, each ``Sequential(conv,
    BN)``) -> ``tpmm SpikingSepConv(spiking_dw=True)``."""
    for conv, bn in (('pwconv1', 'bn1'), ('dwconv', 'dw_bn'), ('pwconv2', 'bn2')):
        plan.copy(f'{dst}.{conv}.weight', f'{src}.{conv}.0.weight')
        plan.batch_norm(f'{dst}.{bn}', f'{src}.{conv}.1')


def conv_block(plan, dst: str, src: str) -> None:
    spiking_sep_conv(plan, f'{dst}.sep_conv', f'{src}.Conv')
    conv_mlp(plan, dst, src)


def transformer_block(plan, dst: str, src: str) -> None:
    spiking_sep_conv(plan, f'{dst}.sep_conv', f'{src}.conv')
    for name in ('q', 'k', 'v', 'proj'):
        plan.copy(f'{dst}.attn.{name}_conv.weight', f'{src}.attn.{name}_conv.0.weight')
        plan.batch_norm(f'{dst}.attn.{name}_bn', f'{src}.attn.{name}_conv.1')
    token_mlp(plan, dst, src)


BLOCKS = dict(downsample=downsample, conv_block=conv_block,
              transformer_block=transformer_block)


def convert(state_dict: Dict[str, Tensor], source: str = 'official') -> Dict[str, Tensor]:
    """Reference E-SpikeFormer state dict (possibly wrapped) -> ``tpmm.SDTV3`` state
    dict. Raises ``CheckpointConversionError`` naming missing and unknown keys."""
    check_source(source)
    return convert_layout(state_dict, BLOCKS, 'E-SpikeFormer (SDT-V3)')

