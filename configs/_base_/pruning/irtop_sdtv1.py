# IRToP as released for Spike-driven Transformer V1 (sdt_drop/model/sdt_drop.py): 8 blocks
# keep k x k tokens, k = 12, 12, 10, 10, 10, 10, 8, 8 of 14 per side at 224 px (schedule
# 'sdt_v1' = k / 14, int(r * H) per side); temporal + spatial term, all-channel 3 x 3
# kernel (mode='reference'), scored on the block input. Ties: lower token index.
model = dict(
    backbone=dict(
        pruning=dict(
            _delete_=True,
            type='IRToP',
            keep_ratio=None,
            keep_schedule='sdt_v1',
            schedule_unit='side',
            score_on='input',
            scorer=dict(
                type='CombinedTokenScorer',
                spatial=dict(type='SpatialTokenScorer', kernel_size=3, mode='reference')))))
