# Meta-SpikeFormer (SDT-V2) + linear head on cluttered digits (a few CPU minutes).
# Backbone: the 'tiny' preset's widths with depths (1, 1, 4, 2): with the preset's
# few blocks the unpruned stem holds most FLOPs and no keep ratio could cut 30 %.
# last_stage_stride=1 as in the reference classifier: both transformer stages run
# on the stride-16 grid.
_base_ = ['./_base_/cluttered_digits.py', './_base_/schedule.py']
model = dict(
    type='tpmm.SpikingClassifier',
    backbone=dict(
        type='SDTV2',
        arch=dict(embed_dims=(16, 32, 64, 64), depths=(1, 1, 4, 2), num_heads=2, mlp_ratio=4),
        last_stage_stride=1,
        T=2,
        out_type='pooled',
        pruning=None),
    in_channels=64,
    num_classes=10)
