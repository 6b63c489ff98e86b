# IRToP as released for Spike-driven Transformer V3 / E-SpikeFormer (sdtv3_drop/models_drop.py):
# 8 transformer blocks keep int(r * H) tokens per side, r = 0.9, 0.8, 0.8, 0.8, 0.75, 0.65,
# 0.65, 0.65 (schedule 'sdt_v3'); the spatial term ONLY (all-channel 3 x 3 kernel,
# mode='reference'), scored on the block input *before* the block's SepConv, which still
# runs on the full grid. Ties: lower token index.
model = dict(
    backbone=dict(
        pruning=dict(
            _delete_=True,
            type='IRToP',
            keep_ratio=None,
            keep_schedule='sdt_v3',
            schedule_unit='side',
            score_on='input',
            scorer=dict(type='SpatialTokenScorer', kernel_size=3, mode='reference'))))
