# Random-score baseline: IRToP's early-stop policy, tokens chosen uniformly at random.
model = dict(
    backbone=dict(
        pruning=dict(
            _delete_=True,
            type='IRToP',
            keep_ratio=0.7,
            keep_schedule=None,
            scorer=dict(type='RandomTokenScorer'))))
