"""The three recipes of docs/extending.md, followed once each: a backbone (subclass +
declare stages), a scorer (one file + one overlay), a pruner (the selection only)."""
from typing import List, Optional

import torch
from mmengine.config import Config
from torch import nn

from tpmm.models.backbones import BaseSpikingBackbone
from tpmm.pruning import (EarlyStopTokenPruner, PrunableBlock, PruningContext,
                          BaseTokenScorer)
from tpmm.registry import MODELS


# --- recipe 1: a backbone ---------------------------------------------------------
class ScaleBlock(PrunableBlock):
    """Token-wise ``x -> 2 x + 1`` (so a token that ran the block is recognisable)."""

    def tokenwise(self, x: torch.Tensor) -> torch.Tensor:
        return 2 * x + 1


class ShiftMixBlock(PrunableBlock):
    """``mix``: add the right-hand neighbour's value (0 past the edge); ``tokenwise``:
    ``x -> x + 10``."""

    def mix(self, x, hw):
        t, b, c, n = x.shape
        grid = x.reshape(t, b, c, *hw)
        right = torch.zeros_like(grid)
        right[..., :-1] = grid[..., 1:]
        return (grid + right).reshape(t, b, c, n), {}

    def tokenwise(self, x: torch.Tensor) -> torch.Tensor:
        return x + 10


@MODELS.register_module(force=True)
class RecipeBackbone(BaseSpikingBackbone):
    """Two prunable stages: 2 blocks on the input grid, 1 block after a 2x2 max-pool."""

    num_levels = 2
    stride = 2

    def __init__(self, T: int = 2, pruning: Optional[dict] = None):
        super().__init__(T, out_indices=(0, 1), pruning=pruning)
        self.stage1 = nn.ModuleList([ScaleBlock(), ShiftMixBlock()])
        self.pool2 = nn.MaxPool2d(2)
        self.stage2 = nn.ModuleList([ScaleBlock()])

    def prunable_stages(self) -> List[nn.ModuleList]:
        return [self.stage1, self.stage2]

    def forward_stages(self, x: torch.Tensor) -> List[torch.Tensor]:
        first = self.run_prunable_stage(self.stage1, x)
        pooled = self.pool2(first.flatten(0, 1)).reshape(*first.shape[:3],
                                                          *[s // 2 for s in first.shape[3:]])
        return [first, self.run_prunable_stage(self.stage2, pooled)]


def images(seed=0):
    return torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(seed))


def plain_recipe_forward(x: torch.Tensor):
    """The recipe backbone without any pruner, written out on [B, C, H, W] maps."""
    y = 2 * x + 1
    right = torch.zeros_like(y)
    right[..., :-1] = y[..., 1:]
    first = y + right + 10
    return first, 2 * nn.functional.max_pool2d(first, 2) + 1


def test_recipe_backbone_derives_blocks_and_builds_its_pruner():
    model = MODELS.build(dict(type='RecipeBackbone'))
    assert model.num_prunable_blocks == 3 and model.pruner.num_blocks == 3
    assert type(model.pruner).__name__ == 'NoPrune'
    outs = model(images())
    for out, ref in zip(outs, plain_recipe_forward(images())):
        assert torch.allclose(out, ref)

    pruned = MODELS.build(dict(type='RecipeBackbone',
                               pruning=dict(type='IRToP', keep_ratio=0.5)))
    pruned(images())
    assert [(r.block_index, r.hw, r.kept_index.shape) for r in pruned.pruner.last_records] \
        == [(0, (4, 4), (2, 8)), (1, (4, 4), (2, 8)), (2, (2, 2), (2, 2))]


# --- recipe 2: a scorer -----------------------------------------------------------
@MODELS.register_module(force=True)
class BrightTokenScorer(BaseTokenScorer):
    """Score = the token's sum over time and channels (bright tokens are kept)."""

    def forward(self, x, hw, block=None):
        return x.sum(dim=(0, 2))


def test_recipe_scorer_is_used_through_an_overlay(tmp_path):
    (tmp_path / 'task.py').write_text("model = dict(backbone=dict(type='RecipeBackbone', "
                                      "pruning=None))\n")
    (tmp_path / 'bright_k0.25.py').write_text(
        "_base_ = ['task.py']\n"
        "model = dict(backbone=dict(pruning=dict(_delete_=True, type='IRToP', "
        "keep_ratio=0.25, scorer=dict(type='BrightTokenScorer'))))\n")
    cfg = Config.fromfile(str(tmp_path / 'bright_k0.25.py'))
    model = MODELS.build(cfg.model.backbone)
    x = torch.randperm(2 * 3 * 16, generator=torch.Generator().manual_seed(0)).float()
    x = x.reshape(2, 3, 4, 4)  # distinct values: no ties
    model(x)
    first = model.pruner.last_records[0]
    brightness = (2 * x).sum(dim=1).flatten(1)  # T copies of the image, summed over C
    expected = brightness.topk(4, dim=-1).indices.sort(dim=-1).values
    assert torch.equal(first.kept_index, expected)


# --- recipe 3: a pruner -----------------------------------------------------------
@MODELS.register_module(force=True)
class LeftColumnsPruner(EarlyStopTokenPruner):
    """Runs the blocks on the ``k`` tokens nearest the left edge (column-major)."""

    def select(self, block, block_input, mixed, k: int, ctx: PruningContext):
        h, w = ctx.hw
        column_major = torch.arange(h * w, device=block_input.device).reshape(h, w).t().flatten()
        return column_major[:k].expand(block_input.shape[1], k)


def test_recipe_pruner_implements_only_the_selection():
    model = MODELS.build(dict(type='RecipeBackbone',
                              pruning=dict(type='LeftColumnsPruner', keep_ratio=0.5)))
    x = images()
    first, second = model(x)
    # stage 1: block 0 (2x + 1) and block 1 (mix, then + 10) on the two left columns;
    # the two right columns skip tokenwise and keep their input / mixed values
    left = torch.zeros(4, 4, dtype=torch.bool)
    left[:, :2] = True
    y = torch.where(left, 2 * x + 1, x)
    right = torch.zeros_like(y)
    right[..., :-1] = y[..., 1:]
    mixed = y + right
    assert torch.allclose(first, torch.where(left, mixed + 10, mixed))
    # stage 2 (2x2 grid, k = 2): the left column
    pooled = nn.functional.max_pool2d(first, 2)
    left_column = torch.tensor([[True, False], [True, False]])
    assert torch.allclose(second, torch.where(left_column, 2 * pooled + 1, pooled))
    assert [sorted(r.kept_index[1].tolist()) for r in model.pruner.last_records] == [
        [0, 1, 4, 5, 8, 9, 12, 13], [0, 1, 4, 5, 8, 9, 12, 13], [0, 2]]
