"""Training targets and losses of the centre head (CenterNet focal loss on a Gaussian
heat map, GIoU and L1 on the box read at the target's cell; OSTrack weights 1 / 2 / 5)."""
from typing import Tuple

import torch
from torchvision.ops import box_convert, generalized_box_iou_loss


def center_heatmap(boxes_xyxy: torch.Tensor, hw: Tuple[int, int]) -> Tuple[torch.Tensor,
                                                                           torch.Tensor]:
    """Gaussian heat maps ``[B, 1, h, w]`` (exactly 1 at the centre cell, sigma a sixth
    of the box diagonal in cells, at least 0.5) and the flat centre cells ``[B]`` of
    normalised ``x1, y1, x2, y2`` boxes ``[B, 4]``."""
    h, w = hw
    cx = (boxes_xyxy[:, 0] + boxes_xyxy[:, 2]) / 2 * w
    cy = (boxes_xyxy[:, 1] + boxes_xyxy[:, 3]) / 2 * h
    col = cx.floor().clamp(0, w - 1)
    row = cy.floor().clamp(0, h - 1)
    bw = (boxes_xyxy[:, 2] - boxes_xyxy[:, 0]) * w
    bh = (boxes_xyxy[:, 3] - boxes_xyxy[:, 1]) * h
    sigma = ((bw ** 2 + bh ** 2).sqrt() / 6).clamp(min=0.5)
    ys = torch.arange(h, device=boxes_xyxy.device, dtype=boxes_xyxy.dtype)[None, :, None]
    xs = torch.arange(w, device=boxes_xyxy.device, dtype=boxes_xyxy.dtype)[None, None, :]
    dist2 = (ys - row[:, None, None]) ** 2 + (xs - col[:, None, None]) ** 2
    heat = torch.exp(-dist2 / (2 * sigma[:, None, None] ** 2))
    return heat[:, None], (row * w + col).long()


def focal_loss(logits: torch.Tensor, target: torch.Tensor, alpha: float = 2.0,
               beta: float = 4.0) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss of ``[B, 1, h, w]`` logits against a
    heat map with 1 at the positives, normalised by the number of positives."""
    prob = logits.sigmoid().clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    pos_loss = -(prob.log() * (1 - prob) ** alpha * pos).sum()
    neg_loss = -((1 - prob).log() * prob ** alpha * (1 - target) ** beta * (1 - pos)).sum()
    return (pos_loss + neg_loss) / pos.sum().clamp(min=1)


def box_losses(pred_cxcywh: torch.Tensor,
               target_xyxy: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Mean GIoU loss and mean L1 (on ``x1, y1, x2, y2``) of normalised boxes ``[B, 4]``."""
    pred = box_convert(pred_cxcywh, 'cxcywh', 'xyxy')
    giou = generalized_box_iou_loss(pred, target_xyxy, reduction='mean')
    return giou, (pred - target_xyxy).abs().mean()
