# Spike-driven Transformer V1 + linear head on cluttered digits (a few CPU minutes):
# stock mmpretrain ImageClassifier / LinearClsHead.
# The 'tiny' preset's width with 6 blocks: with only 2 blocks the spiking patch
# splitting holds ~80 % of the FLOPs and no keep ratio could cut them by 30 %.
_base_ = ['./_base_/cluttered_digits.py', './_base_/schedule.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='tpmm.SDTV1',
        arch=dict(embed_dims=64, depth=6, num_heads=2, mlp_ratio=4.0),
        T=2,
        out_type='pooled',
        pruning=None),
    neck=None,
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )))
