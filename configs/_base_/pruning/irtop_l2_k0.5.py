# tpmm's irtop-l2 variant (not the released code): temporal change + the scale-free L2
# distance of a token to its per-channel 3 x 3 window mean (SpatialTokenScorer
# mode='depthwise', metric='l2') instead of a cosine; scored on the block input, 50% kept.
# Why: projects/classification/README.md. Sweep with:
# --cfg-options model.backbone.pruning.keep_ratio=0.7
model = dict(
    backbone=dict(
        pruning=dict(
            _delete_=True,
            type='IRToP',
            keep_ratio=0.5,
            keep_schedule=None,
            score_on='input',
            scorer=dict(
                type='CombinedTokenScorer',
                spatial=dict(type='SpatialTokenScorer', kernel_size=3, mode='depthwise',
                             metric='l2')))))
