# ToMe baseline: merge tokens by bipartite soft matching down to 70% of the grid
# (the token count of irtop_k0.7); unmerged at the end of each stage.
model = dict(
    backbone=dict(
        pruning=dict(
            _delete_=True, type='ToMePruner', keep_ratio=0.7, keep_schedule=None)))
