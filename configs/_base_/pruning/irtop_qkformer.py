# IRToP with the paper's schedule for QKFormer (10 blocks, side fractions
# 0.9, 0.9, 0.8 x5, 0.75 x3) and a 7x7 spatial neighbourhood.
model = dict(
    backbone=dict(
        pruning=dict(
            _delete_=True,
            type='IRToP',
            keep_ratio=None,
            keep_schedule='qkformer',
            schedule_unit='side',
            scorer=dict(
                type='CombinedTokenScorer',
                spatial=dict(type='SpatialTokenScorer', kernel_size=7)))))
