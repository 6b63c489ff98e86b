# Spikformer 8-384 (T=4): a simple feature pyramid on the stride-16
# blocks gives four outputs at strides 4 / 8 / 16 / 32.
# A task config takes `backbone` as its `model.backbone` and `backbone_channels` (the
# channels of each output) as the in_channels of the module after it.
backbone = dict(
    type='tpmm.Spikformer',
    arch='8-384',
    T=4,
    out_type='featmap',
    out_indices=(0, 1, 2, 3),
    time_reduce='mean',
    pruning=dict(type='NoPrune'))
backbone_channels = [384, 384, 384, 384]
