# QKFormer 10-384 (T=4): its three stages give outputs at strides
# 4 / 8 / 16.
# A task config takes `backbone` as its `model.backbone` and `backbone_channels` (the
# channels of each output) as the in_channels of the module after it.
backbone = dict(
    type='tpmm.QKFormer',
    arch='10-384',
    T=4,
    out_type='featmap',
    out_indices=(0, 1, 2),
    time_reduce='mean',
    pruning=dict(type='NoPrune'))
backbone_channels = [96, 192, 384]
