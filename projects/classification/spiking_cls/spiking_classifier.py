"""A spiking backbone with a linear head, as an mmengine model."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope
from torch import nn

from tpmm.registry import MODELS
from .cluttered_digits import collate_labels


@MODELS.register_module()
class SpikingClassifier(BaseModel):
    """Image classifier: tpmm backbone (``out_type='pooled'``) + linear head.

    Args:
        backbone (dict): backbone config; must give ``out_type='pooled'`` features
            ``[B, in_channels]``.
        in_channels (int): feature width of the backbone.
        num_classes (int): number of classes.
        label_smoothing (float): of the cross-entropy loss.
        data_preprocessor (dict, optional): mmengine data preprocessor config.
        init_cfg (dict, optional): mmengine init config.

    ``forward(inputs [B, 3, H, W], data_samples, mode)``: ``'tensor'`` gives logits
    ``[B, num_classes]``, ``'loss'`` ``{'loss': ...}``, ``'predict'`` one dict per
    sample with ``pred_label``, ``gt_label`` and ``score`` ``[num_classes]``.
    """

    def __init__(self,
                 backbone: dict,
                 in_channels: int,
                 num_classes: int,
                 label_smoothing: float = 0.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if backbone.get('out_type') != 'pooled':
            raise ValueError(f"SpikingClassifier needs backbone.out_type='pooled', got "
                             f"out_type={backbone.get('out_type')!r}")
        with DefaultScope.overwrite_default_scope('tpmm'):  # whatever the config's scope
            self.backbone = MODELS.build(backbone)
        self.head = nn.Linear(in_channels, num_classes)
        self.label_smoothing = label_smoothing

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """``[B, 3, H, W]`` -> pooled features ``[B, C]``."""
        return self.backbone(inputs)[0]

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List[dict]] = None,
                mode: str = 'tensor') -> Union[torch.Tensor, Dict[str, torch.Tensor], List[dict]]:
        logits = self.head(self.extract_feat(inputs))
        if mode == 'tensor':
            return logits
        if data_samples is None:
            raise ValueError(f"mode={mode!r} needs data_samples with 'gt_label'")
        labels = collate_labels(data_samples, logits.device)
        if mode == 'loss':
            return dict(loss=F.cross_entropy(logits, labels,
                                             label_smoothing=self.label_smoothing))
        if mode == 'predict':
            scores = logits.softmax(-1)
            return [dict(pred_label=int(s.argmax()), gt_label=int(y), score=s)
                    for s, y in zip(scores, labels)]
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', got mode={mode!r}")
