"""Event-based single-object tracking data: FE108 / VisEvent / FELT readers, ``.aedat4``
to event lists, events to frames, OSTrack-style template / search crops, and an offline
FE108-layout generator."""
from .aedat4_events import aedat4_path, convert_sequence, read_aedat4_events
from .cropping import box_from_crop, box_in_crop, clip_box, crop_side, crop_square
from .event_frames import events_to_frames, frames_to_images
from .event_simulator import ContrastThresholdEventSimulator, log_intensity
from .event_sot_dataset import EventSOTDataset, FE108Dataset, FELTDataset, VisEventDataset
from .sequence_io import (LAYOUTS, load_event_frame, read_boxes, stack_path, write_boxes)
from .synthetic_event_sot import SyntheticEventSOTGenerator
from .transforms import (CropTemplateSearch, LoadEventFrames, PackSOTInputs, SampleSOTPair,
                         frames_to_tensor)

__all__ = [
    'EventSOTDataset', 'FE108Dataset', 'VisEventDataset', 'FELTDataset', 'LAYOUTS',
    'read_boxes', 'write_boxes', 'stack_path', 'load_event_frame', 'events_to_frames',
    'frames_to_images', 'ContrastThresholdEventSimulator', 'log_intensity',
    'SyntheticEventSOTGenerator', 'SampleSOTPair', 'LoadEventFrames', 'CropTemplateSearch',
    'PackSOTInputs', 'frames_to_tensor', 'crop_side', 'crop_square', 'box_in_crop',
    'box_from_crop', 'clip_box', 'aedat4_path', 'read_aedat4_events', 'convert_sequence'
]
