# The MOT17 ByteTrack config with IRToP (SDT-V1 reference schedule) whose kept-token sets
# are reused across frames: FrameReusePruner scores on frame 0 of each video and every
# `refresh_interval` frames, and replays the stored selection (no scoring) in between.
# FrameReuseHook (on in the base config) gives the pruner each frame's frame_id.
_base_ = './bytetrack_retinanet_sdtv1-8-384_fpn_8xb2-12e_mot17halftrain_test-mot17halfval.py'

model = dict(
    detector=dict(
        backbone=dict(
            pruning=dict(
                _delete_=True,
                type='tpmm.FrameReusePruner',
                pruner=dict(
                    type='IRToP',
                    keep_schedule='sdt_v1',
                    schedule_unit='side',
                    scorer=dict(type='CombinedTokenScorer')),
                refresh_interval=10))))
