# Spike-driven Transformer V2 (Meta-SpikeFormer) 8-512 (T=4): its four
# stages give outputs at strides 4 / 8 / 16 / 32.
# A task config takes `backbone` as its `model.backbone` and `backbone_channels` (the
# channels of each output) as the in_channels of the module after it.
backbone = dict(
    type='tpmm.SDTV2',
    arch='8-512',
    T=4,
    out_type='featmap',
    out_indices=(0, 1, 2, 3),
    time_reduce='mean',
    pruning=dict(type='NoPrune'))
backbone_channels = [128, 256, 512, 640]
