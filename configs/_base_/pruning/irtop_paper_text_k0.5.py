# tpmm's irtop-paper-text variant (not the released code): the paper's text describes the
# local mean per channel (a window mean of the token vectors), so the spatial term compares
# a token with its neighbours channel by channel (SpatialTokenScorer mode='depthwise').
# Temporal change + that spatial term, scored on the block input, 50% of the tokens kept.
# Sweep with: --cfg-options model.backbone.pruning.keep_ratio=0.7
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
                spatial=dict(type='SpatialTokenScorer', kernel_size=3, mode='depthwise')))))
