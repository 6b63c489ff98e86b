# IRToP (TP-Spikformer): every block runs on the 50% most informative tokens
# (temporal change + 3x3 spatial dissimilarity); the rest stop early for that block.
# Sweep with: --cfg-options model.backbone.pruning.keep_ratio=0.3
model = dict(
    backbone=dict(
        pruning=dict(
            _delete_=True,
            type='IRToP',
            keep_ratio=0.5,
            keep_schedule=None,
            scorer=dict(type='CombinedTokenScorer'))))
