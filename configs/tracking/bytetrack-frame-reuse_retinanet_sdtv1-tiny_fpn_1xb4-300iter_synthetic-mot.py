# bytetrack_retinanet_sdtv1-tiny_fpn_1xb4-300iter_synthetic-mot.py with IRToP (keep 70%)
# whose kept-token sets are reused across frames: FrameReusePruner scores on frame 0 of
# each video and every `refresh_interval` frames, and replays the stored selection (no
# scoring) in between.
# FrameReuseHook (on in the base config) gives the pruner each frame's frame_id.
# Scored every frame instead: --cfg-options model.detector.backbone.pruning.refresh_interval=1
_base_ = './bytetrack_retinanet_sdtv1-tiny_fpn_1xb4-300iter_synthetic-mot.py'

model = dict(
    detector=dict(
        backbone=dict(
            pruning=dict(
                _delete_=True,
                type='tpmm.FrameReusePruner',
                pruner=dict(type='IRToP', keep_ratio=0.7, scorer=dict(type='CombinedTokenScorer')),
                refresh_interval=10))))
