"""One-stream spiking tracker for event-based single-object tracking (SDTrack / OSTrack
style) on any single-scale tpmm spiking backbone."""
import math
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.model import BaseModel

from tpmm.datasets.event_sot.cropping import (box_from_crop, clip_box, crop_side,
                                              crop_square)
from tpmm.registry import MODELS
from .backbone_adapter import check_backbone, joint_forward
from .sot_losses import box_losses, center_heatmap, focal_loss


def hann_window(h: int, w: int) -> torch.Tensor:
    """OSTrack's 2-D Hann window ``[h, w]``, positive everywhere."""
    def hann(n):
        return 0.5 * (1 - torch.cos(2 * math.pi * torch.arange(1, n + 1) / (n + 1)))
    return hann(h)[:, None] * hann(w)[None, :]


def box_center(box) -> tuple:
    """Centre ``(cx, cy)`` of an ``x, y, w, h`` box."""
    return float(box[0]) + float(box[2]) / 2, float(box[1]) + float(box[3]) / 2


@MODELS.register_module()
class OneStreamSpikingTracker(BaseModel):
    """Template and search region through one spiking backbone, a centre head on the
    search tokens.

    The backbone's stem embeds the template crop (``template_factor`` x the box,
    ``template_size`` px) and the search crop (``search_factor`` x, ``search_size`` px)
    separately; its prunable blocks then run on ``[template; search]`` tokens. The
    backbone's pruner (``pruning=`` / ``--pruning OVERLAY``) scores and stops
    search-region tokens only (see :mod:`.template_joint_block`).

    Inputs (``default_collate`` of ``PackSOTInputs``): training ``template`` ``[B, T, 3,
    St, St]`` and ``search`` ``[B, T, 3, Ss, Ss]`` with ``search_box`` ``[B, 4]``;
    testing ``frames`` ``[B, T, 3, H, W]``, one frame per sequence, frames in order
    (``frame_index`` 0 sets the template from ``init_box``; later frames crop the search
    region around the previous estimate).

    Args:
        backbone (dict): a tpmm spiking backbone that :mod:`.backbone_adapter` splits
            into stages (SDTV1, Spikformer, SDTV2, SDTV3); its ``out_type`` plays no
            part (the tracker runs the stages, not the backbone's ``forward``).
        head (dict): the box head, e.g. ``dict(type='SOTCenterHead', in_channels=C)``.
        loss_weights (dict): weights of ``focal``, ``giou`` and ``l1``.
        use_window (bool): multiply test-time scores by a Hann window (OSTrack).
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 template_factor: float = 2.0,
                 template_size: int = 64,
                 search_factor: float = 4.0,
                 search_size: int = 128,
                 loss_weights: Optional[dict] = None,
                 use_window: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        check_backbone(self.backbone)
        self.head = MODELS.build(head)
        self.template_factor, self.template_size = template_factor, int(template_size)
        self.search_factor, self.search_size = search_factor, int(search_size)
        self.loss_weights = {**dict(focal=1.0, giou=2.0, l1=5.0), **(loss_weights or {})}
        self.use_window = use_window
        self.states: Dict[str, dict] = {}

    def features(self, template: torch.Tensor, search: torch.Tensor) -> torch.Tensor:
        """``[B, T, 3, St, St]``, ``[B, T, 3, Ss, Ss]`` -> search features ``[B, C, h, w]``
        (block output, mean over T)."""
        x, _ = joint_forward(self.backbone, template.transpose(0, 1), search.transpose(0, 1))
        return x.mean(0)

    def forward(self, inputs: dict, data_samples: Optional[dict] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.head(self.features(inputs['template'], inputs['search']))
        raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', got {mode!r}")

    def loss(self, inputs: dict, data_samples: dict) -> Dict[str, torch.Tensor]:
        """Focal loss on the centre heat map, GIoU and L1 on the box at the target's cell."""
        maps = self.head(self.features(inputs['template'], inputs['search']))
        target = data_samples['search_box'].float()
        heat, index = center_heatmap(target, maps['score'].shape[-2:])
        giou, l1 = box_losses(self.head.boxes_at(maps, index), target)
        w = self.loss_weights
        return dict(loss_focal=w['focal'] * focal_loss(maps['score'], heat),
                    loss_giou=w['giou'] * giou, loss_l1=w['l1'] * l1)

    @torch.no_grad()
    def track(self, template: torch.Tensor, frames: torch.Tensor, box) -> tuple:
        """One search step: ``frames`` ``[T, 3, H, W]``, previous ``box`` ``x, y, w, h``
        -> new box ``x, y, w, h`` (clipped to the frame)."""
        side = crop_side(box, self.search_factor)
        center = box_center(box)
        search = crop_square(frames, center, side, self.search_size)
        maps = self.head(self.features(template[None], search[None]))
        window = None
        if self.use_window:
            window = hann_window(*maps['score'].shape[-2:]).to(frames.device)
        pred = self.head.decode(maps, window)[0].tolist()
        return clip_box(box_from_crop(pred, center, side), *frames.shape[-2:])

    def predict(self, inputs: dict, data_samples: dict) -> List[dict]:
        """Track one frame of each sequence in the batch; returns per frame
        ``seq_name, frame_index, num_frames, pred_box, gt_box``."""
        outputs = []
        for b, frames in enumerate(inputs['frames']):
            name = data_samples['seq_name'][b]
            index = int(data_samples['frame_index'][b])
            num_frames = int(data_samples['num_frames'][b])
            if index == 0:
                box = tuple(float(v) for v in data_samples['init_box'][b])
                if not (np.isfinite(box).all() and box[2] > 0 and box[3] > 0):
                    raise ValueError(f'sequence {name}: the first frame\'s box {box} is '
                                     'not a valid x, y, w, h; one-pass evaluation starts '
                                     'from it')
                template = crop_square(frames, box_center(box),
                                       crop_side(box, self.template_factor),
                                       self.template_size)
                self.states[name] = dict(template=template, box=box, next=1)
            else:
                state = self.states.get(name)
                if state is None or state['next'] != index:
                    raise RuntimeError(f'sequence {name}: frame {index} arrived out of order; '
                                       'one-pass evaluation needs the frames of a sequence '
                                       'in order, starting at 0 (shuffle=False, one process)')
                box = self.track(state['template'], frames, state['box'])
                state.update(box=box, next=index + 1)
            if index == num_frames - 1:
                self.states.pop(name, None)
            outputs.append(dict(seq_name=name, frame_index=index, num_frames=num_frames,
                                pred_box=np.asarray(box, dtype=np.float64),
                                gt_box=data_samples['gt_box'][b].cpu().numpy()))
        return outputs
