# IRToP as released for QKFormer (qk_drop/qkformer.py): 10 blocks over three stages keep
# int(r * H) tokens per side, r = 0.9, 0.9, 0.8 x5, 0.75 x3 (schedule 'qkformer');
# temporal + spatial term with the all-channel 7 x 7 kernel (mode='reference'), scored on
# the block input. Ties: lower token index.
model = dict(
    backbone=dict(
        pruning=dict(
            _delete_=True,
            type='IRToP',
            keep_ratio=None,
            keep_schedule='qkformer',
            schedule_unit='side',
            score_on='input',
            scorer=dict(
                type='CombinedTokenScorer',
                spatial=dict(type='SpatialTokenScorer', kernel_size=7, mode='reference')))))
