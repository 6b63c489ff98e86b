"""Centre-based box head (OSTrack's ``CenterPredictor``, as SDTrack uses it)."""
from typing import Dict

import torch
from mmengine.model import BaseModule
from torch import nn

from tpmm.registry import MODELS


def conv_tower(in_channels: int, channels: int, out_channels: int, num_convs: int) -> nn.Module:
    """``num_convs`` 3x3 conv-BN-ReLU layers, then a 1x1 conv to ``out_channels``."""
    layers, c = [], in_channels
    for _ in range(num_convs):
        layers += [nn.Conv2d(c, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels),
                   nn.ReLU(inplace=True)]
        c = channels
    layers.append(nn.Conv2d(c, out_channels, 1))
    return nn.Sequential(*layers)


@MODELS.register_module()
class SOTCenterHead(BaseModule):
    """Score, size and offset maps on the search-region features.

    ``[B, C, h, w]`` -> ``score`` ``[B, 1, h, w]`` (logits; the target centre's cell),
    ``size`` ``[B, 2, h, w]`` (box ``w, h`` as fractions of the search side, sigmoid)
    and ``offset`` ``[B, 2, h, w]`` (centre position inside its cell, sigmoid). A box is
    read at a cell ``(i, j)``: centre ``((j + off_x) / w, (i + off_y) / h)``.

    Args:
        in_channels (int): feature channels ``C``.
        feat_channels (int): width of the conv towers.
        num_convs (int): 3x3 convs per tower.
    """

    def __init__(self, in_channels: int, feat_channels: int = 64, num_convs: int = 2,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.score = conv_tower(in_channels, feat_channels, 1, num_convs)
        self.size = conv_tower(in_channels, feat_channels, 2, num_convs)
        self.offset = conv_tower(in_channels, feat_channels, 2, num_convs)
        nn.init.constant_(self.score[-1].bias, -2.19)  # prior 0.1, as CenterNet

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        return dict(score=self.score(x), size=self.size(x).sigmoid(),
                    offset=self.offset(x).sigmoid())

    @staticmethod
    def boxes_at(maps: Dict[str, torch.Tensor], index: torch.Tensor) -> torch.Tensor:
        """Normalised ``cx, cy, w, h`` ``[B, 4]`` read at flat cell ``index`` ``[B]``."""
        _, _, h, w = maps['score'].shape
        pick = index[:, None, None].expand(-1, 2, 1)
        size = maps['size'].flatten(2).gather(2, pick).squeeze(2)
        offset = maps['offset'].flatten(2).gather(2, pick).squeeze(2)
        cx = ((index % w).float() + offset[:, 0]) / w
        cy = (torch.div(index, w, rounding_mode='floor').float() + offset[:, 1]) / h
        return torch.stack([cx, cy, size[:, 0], size[:, 1]], dim=1)

    def decode(self, maps: Dict[str, torch.Tensor],
               window: torch.Tensor = None) -> torch.Tensor:
        """Box at the best cell of ``sigmoid(score)`` (times ``window`` ``[h, w]``, e.g.
        a Hann window at test time): ``[B, 4]`` normalised ``cx, cy, w, h``."""
        score = maps['score'].sigmoid()
        if window is not None:
            score = score * window
        return self.boxes_at(maps, score.flatten(1).argmax(1))
