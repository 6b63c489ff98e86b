# mmpretrain ImageClassifier for a tpmm spiking backbone on the 10 digit classes: the
# backbone's pooled features ([B, C], the T-mean, T=2) -> LinearClsHead, cross-entropy.
# token_stride=8: 112 px images give the paper's 14x14 prunable grid (224 px at stride 16)
# with a stem a quarter the cost, so the prunable blocks hold most of the FLOPs.
# Each config sets the backbone's type and arch, and head.in_channels if C is not 32.
model = dict(
    type='ImageClassifier',
    backbone=dict(T=2, out_type='pooled', token_stride=8, pruning=None),
    neck=None,
    head=dict(type='LinearClsHead', num_classes=10, in_channels=32,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )))
