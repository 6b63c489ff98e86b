# Spike-driven Transformer V3 (E-SpikeFormer) l (T=1 with integer spikes up to
# 4, as in the reference models): its four stages give outputs at strides 4 / 8 / 16 / 32.
# A task config takes `backbone` as its `model.backbone` and `backbone_channels` (the
# channels of each output) as the in_channels of the module after it.
backbone = dict(
    type='tpmm.SDTV3',
    arch='l',
    T=1,
    out_type='featmap',
    out_indices=(0, 1, 2, 3),
    time_reduce='mean',
    pruning=dict(type='NoPrune'))
backbone_channels = [64, 128, 256, 360]
