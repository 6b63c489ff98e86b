# IRToP, released criterion, every block runs on the 50% highest-scoring tokens
# (int(0.5 * H * W)); the rest stop early for that block.
# The released TP-Spikformer criterion (xlzhou126/TP-Spikformer-Token-Pruned-Spiking-Transformer):
# temporal change + spatial term with the authors' all-channel k x k kernel
# (SpatialTokenScorer mode='reference'), scored on the block input; ties: lower token index.
# Sweep with: --cfg-options model.backbone.pruning.keep_ratio=0.3
model = dict(
    backbone=dict(
        pruning=dict(
            _delete_=True,
            type='IRToP',
            keep_ratio=0.5,
            keep_schedule=None,
            score_on='input',
            scorer=dict(
                type='CombinedTokenScorer',
                spatial=dict(type='SpatialTokenScorer', kernel_size=3, mode='reference')))))
