"""Event-based single-object tracking datasets (FE108, VisEvent, FELT release layouts)."""
import os
import os.path as osp
from typing import List, Optional, Tuple

from mmengine.dataset import BaseDataset

from tpmm.registry import DATASETS
from .sequence_io import DEFAULT_STACK_DIR, layout_info, read_boxes


@DATASETS.register_module()
class EventSOTDataset(BaseDataset):
    """Sequences of ``<data_root>/<split>/`` in one release layout (see
    :mod:`.sequence_io` for the files).

    Training (``test_mode=False``): one item per sequence, with all its boxes; the
    pipeline samples a template / search frame pair from it (``SampleSOTPair``).
    Testing (``test_mode=True``): one item per annotated frame, sequences one after the
    other, frames in order, for one-pass evaluation (``frame_index`` 0 initialises the
    tracker with ``init_box``).

    Args:
        layout (str): ``'fe108'``, ``'visevent'`` or ``'felt'``.
        split (str): folder under ``data_root`` holding the sequence folders.
        split_file (str, optional): text file (relative to ``data_root``) listing the
            sequences to use, one name a line (SDTrack's ``data_specs/*.txt``);
            default: every folder of ``split``.
        num_bins (int): event frames per annotated frame (the backbone's T).
        representation (str): ``'stack'`` or ``'events'``, see :mod:`.sequence_io`.
        stack_dir (str): stack folder name, ``{num_bins}`` filled in.
        sensor_size (tuple): ``(H, W)`` of the event sensor (``'events'`` only;
            DAVIS346: 260 x 346).
        max_count (float): event count mapped to 255 (``'events'`` only).
    """

    def __init__(self,
                 layout: str = 'fe108',
                 split: str = 'train',
                 split_file: Optional[str] = None,
                 num_bins: int = 1,
                 representation: str = 'stack',
                 stack_dir: str = DEFAULT_STACK_DIR,
                 sensor_size: Tuple[int, int] = (260, 346),
                 max_count: float = 4.0,
                 **kwargs):
        layout_info(layout)
        self.layout = layout
        self.split = split
        self.split_file = split_file
        self.event_args = dict(layout=layout, num_bins=int(num_bins),
                               representation=representation, stack_dir=stack_dir,
                               sensor_size=tuple(sensor_size), max_count=float(max_count))
        kwargs.setdefault('serialize_data', False)
        super().__init__(**kwargs)

    def sequence_names(self) -> List[str]:
        """Sequence folder names of the split, sorted (or as the split file lists them)."""
        folder = osp.join(self.data_root, self.split)
        if not osp.isdir(folder):
            raise FileNotFoundError(f'split folder {folder} not found (data_root='
                                    f'{self.data_root!r}, split={self.split!r})')
        if self.split_file is None:
            return sorted(n for n in os.listdir(folder) if osp.isdir(osp.join(folder, n)))
        path = osp.join(self.data_root, self.split_file)
        if not osp.isfile(path):
            raise FileNotFoundError(f'split_file {path} not found')
        with open(path) as f:
            names = [line.strip() for line in f if line.strip()]
        missing = [n for n in names if not osp.isdir(osp.join(folder, n))]
        if missing:
            raise FileNotFoundError(f'split_file {path} lists sequences missing from '
                                    f'{folder}: {missing[:5]}')
        return names

    def load_data_list(self) -> List[dict]:
        gt_file = layout_info(self.layout)['gt_file']
        data_list = []
        for name in self.sequence_names():
            seq_dir = osp.join(self.data_root, self.split, name)
            boxes = read_boxes(osp.join(seq_dir, gt_file))
            common = dict(seq_name=name, seq_dir=seq_dir, num_frames=len(boxes),
                          **self.event_args)
            if not self.test_mode:
                data_list.append(dict(common, boxes=boxes))
                continue
            for index, box in enumerate(boxes):
                data_list.append(dict(common, frame_index=index, gt_box=box,
                                      init_box=boxes[0]))
        if not data_list:
            raise FileNotFoundError(f'no sequence in {osp.join(self.data_root, self.split)}')
        return data_list


@DATASETS.register_module()
class FE108Dataset(EventSOTDataset):
    """FE108 (Zhang et al., ICCV 2021): ``train/`` / ``test/`` sequences with
    ``groundtruth_rect.txt``, stacks numbered from 1. See :class:`EventSOTDataset`."""

    def __init__(self, **kwargs):
        super().__init__(layout='fe108', **kwargs)


@DATASETS.register_module()
class VisEventDataset(EventSOTDataset):
    """VisEvent (Wang et al., 2023): ``train/`` / ``test/`` sequences with
    ``groundtruth.txt``, stacks numbered from 0. See :class:`EventSOTDataset`."""

    def __init__(self, **kwargs):
        super().__init__(layout='visevent', **kwargs)


@DATASETS.register_module()
class FELTDataset(EventSOTDataset):
    """FELT (Wang et al., 2024): ``train/`` / ``test/`` ``dvSave-*`` sequences with
    ``groundtruth.txt``, stacks numbered from 0. See :class:`EventSOTDataset`."""

    def __init__(self, **kwargs):
        super().__init__(layout='felt', **kwargs)
