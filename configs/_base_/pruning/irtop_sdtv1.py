# IRToP with the paper's schedule for Spike-driven Transformer V1 (8 blocks): keep a
# k x k share of the grid, k = 12, 12, 10, 10, 10, 10, 8, 8 out of 14 per side.
model = dict(
    backbone=dict(
        pruning=dict(
            _delete_=True,
            type='IRToP',
            keep_ratio=None,
            keep_schedule='sdt_v1',
            schedule_unit='side',
            scorer=dict(type='CombinedTokenScorer'))))
