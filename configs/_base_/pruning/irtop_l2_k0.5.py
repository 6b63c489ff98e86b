# IRToP with tpmm's L2 spatial term: every block runs on the 50% highest-scoring tokens
# (temporal change + 3x3 spatial *distance* to the neighbourhood mean, instead of the
# paper's cosine; see SpatialTokenScorer's metric and projects/classification/README.md).
# Sweep with: --cfg-options model.backbone.pruning.keep_ratio=0.7
model = dict(
    backbone=dict(
        pruning=dict(
            _delete_=True,
            type='IRToP',
            keep_ratio=0.5,
            keep_schedule=None,
            scorer=dict(
                type='CombinedTokenScorer',
                spatial=dict(type='SpatialTokenScorer', metric='l2')))))
