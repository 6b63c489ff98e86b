"""Event-based single-object tracking: a one-stream spiking tracker (SDTrack / OSTrack
style) whose backbone pruner stops search-region tokens only."""
from .backbone_adapter import check_backbone, joint_forward, tracker_stages
from .center_head import SOTCenterHead
from .one_stream_tracker import OneStreamSpikingTracker, hann_window
from .sot_losses import box_losses, center_heatmap, focal_loss
from .template_joint_block import TemplateJointBlock, TemplateTokens

__all__ = [
    'OneStreamSpikingTracker', 'SOTCenterHead', 'TemplateJointBlock', 'TemplateTokens',
    'check_backbone', 'joint_forward', 'center_heatmap', 'focal_loss', 'box_losses',
    'hann_window', 'tracker_stages'
]
