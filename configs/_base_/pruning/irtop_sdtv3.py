# IRToP with the paper's schedule for Spike-driven Transformer V3 (side fractions
# 0.9, 0.8, 0.8, 0.8, 0.75, 0.65, 0.65, 0.65 over its transformer blocks).
model = dict(
    backbone=dict(
        pruning=dict(
            _delete_=True,
            type='IRToP',
            keep_ratio=None,
            keep_schedule='sdt_v3',
            schedule_unit='side',
            scorer=dict(type='CombinedTokenScorer'))))
