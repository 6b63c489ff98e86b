"""Keep ratios and schedules shared by the pruners that drop, stop or merge tokens."""
from numbers import Real
from typing import Optional, Sequence, Tuple, Union

from .base_pruner import BaseTokenPruner
from .schedules import REFERENCE_SCHEDULE_UNIT, resolve_keep_schedule
from .token_ops import keep_count


def block_keep_ratio(index: int, keep_ratio: Optional[float],
                     keep_schedule: Optional[Sequence[float]]) -> float:
    """Keep ratio of prunable block ``index``: from the schedule if given
    (blocks past its end are not pruned), else the single ``keep_ratio``."""
    if keep_schedule is not None:
        return float(keep_schedule[index]) if index < len(keep_schedule) else 1.0
    return 1.0 if keep_ratio is None else float(keep_ratio)


class ScheduledTokenPruner(BaseTokenPruner):
    """A pruner whose number of kept tokens per block comes from a keep ratio.

    Set exactly one of ``keep_ratio`` and ``keep_schedule``. A ratio is always a
    fraction of the stage's full grid (``keep_count``), whatever was pruned before:
    block ``i`` targets ``k_i = keep_count(r_i, hw, schedule_unit)`` tokens.

    Args:
        keep_ratio (float, optional): the same ratio in ``(0, 1]`` for every block.
        keep_schedule (str | list[float], optional): per-block ratios in ``(0, 1]``,
            indexed by prunable-block index; blocks past its end are not pruned. A
            string names a preset of :data:`tpmm.pruning.schedules.REFERENCE_SCHEDULES`
            (``'sdt_v1'``, ``'qkformer'``, ``'sdt_v3'``).
        schedule_unit (str, optional): ``'tokens'`` (ratio of the token count) or
            ``'side'`` (ratio of each side, ``k x k`` schedules). Default: ``'side'``
            for a preset name, ``'tokens'`` otherwise.
        start_block (int): blocks with a smaller index are never pruned (schedule
            indices still count from block 0).
        num_blocks (int): the backbone's number of prunable blocks (>= 1).
        prune_in_train (bool): see :class:`BaseTokenPruner`.
    """

    units = ('tokens', 'side')

    def __init__(self,
                 keep_ratio: Optional[float] = None,
                 keep_schedule: Optional[Union[str, Sequence[float]]] = None,
                 schedule_unit: Optional[str] = None,
                 start_block: int = 0,
                 num_blocks: int = 0,
                 prune_in_train: bool = True):
        super().__init__(num_blocks=num_blocks, prune_in_train=prune_in_train)
        name = type(self).__name__
        if self.num_blocks < 1:
            raise ValueError(f'{name} needs num_blocks >= 1 (the number of prunable '
                             f'blocks of the backbone), got num_blocks={num_blocks!r}')
        if (keep_ratio is None) == (keep_schedule is None):
            raise ValueError(f'{name}: set exactly one of keep_ratio and keep_schedule, '
                             f'got keep_ratio={keep_ratio!r}, '
                             f'keep_schedule={keep_schedule!r}')
        if keep_ratio is not None:
            self.check_ratio(keep_ratio, 'keep_ratio')
            keep_ratio = float(keep_ratio)
        if keep_schedule is not None:
            preset = isinstance(keep_schedule, str)
            if not preset and (not isinstance(keep_schedule, Sequence)
                               or len(keep_schedule) == 0):
                raise ValueError(f'{name} keep_schedule must be a preset name or a '
                                 f'non-empty list of ratios, got {keep_schedule!r}')
            if schedule_unit is None:
                schedule_unit = REFERENCE_SCHEDULE_UNIT if preset else 'tokens'
            keep_schedule = resolve_keep_schedule(keep_schedule)
            if len(keep_schedule) > self.num_blocks:
                raise ValueError(f'{name} keep_schedule has {len(keep_schedule)} '
                                 f'entries but the backbone has only {self.num_blocks} '
                                 f'prunable blocks (num_blocks={self.num_blocks})')
            for i, ratio in enumerate(keep_schedule):
                self.check_ratio(ratio, f'keep_schedule[{i}]')
            keep_schedule = tuple(float(r) for r in keep_schedule)
        if schedule_unit is None:
            schedule_unit = 'tokens'
        if schedule_unit not in self.units:
            raise ValueError(f'{name} schedule_unit must be one of {self.units}, '
                             f'got schedule_unit={schedule_unit!r}')
        if (not isinstance(start_block, int) or isinstance(start_block, bool)
                or not 0 <= start_block < self.num_blocks):
            raise ValueError(f'{name} start_block must be an int in [0, num_blocks='
                             f'{self.num_blocks}), got start_block={start_block!r}')
        self.keep_ratio = keep_ratio
        self.keep_schedule = keep_schedule
        self.schedule_unit = schedule_unit
        self.start_block = start_block

    def check_ratio(self, ratio, key: str) -> None:
        """Raise unless ``ratio`` is a number in ``(0, 1]`` (0 would keep no token)."""
        if isinstance(ratio, bool) or not isinstance(ratio, Real) or not 0 < ratio <= 1:
            raise ValueError(f'{type(self).__name__} {key} must be a number in (0, 1] '
                             f'(a ratio of 0 keeps no token), got {key}={ratio!r}')

    def block_ratio(self, index: int) -> float:
        """Keep ratio of prunable block ``index`` (1.0: not pruned)."""
        if index < self.start_block:
            return 1.0
        return block_keep_ratio(index, self.keep_ratio, self.keep_schedule)

    def keep_target(self, index: int, hw: Tuple[int, int]) -> Optional[int]:
        """Tokens block ``index`` keeps on the ``hw`` grid; ``None``: not pruned."""
        if not 0 <= index < self.num_blocks:
            raise IndexError(f'{type(self).__name__}.run got block index {index}, but '
                             f'the pruner was built for num_blocks={self.num_blocks} '
                             f'prunable blocks')
        ratio = self.block_ratio(index)
        if ratio >= 1.0:
            return None
        return keep_count(ratio, hw, self.schedule_unit)
