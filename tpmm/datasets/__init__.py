"""tpmm datasets: offline demo data in the real COCO / ADE20K / MOTChallenge formats,
and checks that stop a run early on bad data paths."""
from . import event_sot  # noqa: F401  (event-based single-object tracking)
from .check_data import check_data_config
from .mot_challenge_io import read_mot_det, read_mot_gt, read_seqinfo, write_seqinfo
from .mot_to_coco_video import convert_mot_to_coco_video
from .natural_backgrounds import NATURAL_PHOTOS, NaturalBackgroundSampler
from .natural_clutter import NaturalClutterGenerator
from .synthetic_ade import SyntheticADEGenerator
from .synthetic_coco import SyntheticCocoGenerator
from .synthetic_mot import SyntheticMOTGenerator
from .synthetic_shapes import SHAPE_CLASSES

__all__ = [
    'check_data_config', 'SyntheticCocoGenerator', 'SyntheticADEGenerator',
    'SyntheticMOTGenerator', 'SHAPE_CLASSES', 'read_mot_gt', 'read_mot_det', 'read_seqinfo',
    'write_seqinfo', 'convert_mot_to_coco_video', 'NATURAL_PHOTOS', 'NaturalBackgroundSampler',
    'NaturalClutterGenerator'
]
