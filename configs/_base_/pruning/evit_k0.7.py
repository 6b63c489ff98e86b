# EViT baseline: keep 70% of the grid's tokens at each block, fuse the dropped ones into
# one token; scores from the block's attention_received, else firing rate.
model = dict(
    backbone=dict(
        pruning=dict(
            _delete_=True,
            type='EViTPruner',
            keep_ratio=0.7,
            keep_schedule=None,
            scorer=None)))
