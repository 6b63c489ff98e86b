"""Reference keep schedules of TP-Spikformer (IRToP), as side fractions.

A schedule lists one keep ratio per prunable block (index = prunable-block index
counted over the whole backbone); blocks past its end are not pruned. The released
code keeps a ``k x k`` square's worth of tokens, so the entries are fractions of the
*side* length, meant for ``schedule_unit='side'``: on an ``H x W`` grid block ``i``
keeps ``int(r_i * H) * int(r_i * W)`` tokens (``keep_count``; the released
``k = int(H * k_value)``, rounded down).

* ``'sdt_v1'``: Spike-driven Transformer V1 (8 blocks, 14 x 14 grid at 224 px). The
  released code sets absolute sides ``k_values = [12, 12, 10, 10, 10, 10, 8, 8]``;
  the entries are ``k / 14``, which give exactly those sides at 224 px
  (``int(12 / 14 * 14) == 12``) and scale with the grid at other input sizes.
* ``'qkformer'``: QKFormer (10 blocks over its three stages), the released
  ``k_values``.
* ``'sdt_v3'``: Spike-driven Transformer V3 / E-SpikeFormer, over its 8 transformer
  blocks, the released ``k_values``.
"""
from typing import Dict, Sequence, Tuple, Union

REFERENCE_SCHEDULES: Dict[str, Tuple[float, ...]] = {
    'sdt_v1': tuple(k / 14 for k in (12, 12, 10, 10, 10, 10, 8, 8)),
    'qkformer': (0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.75, 0.75, 0.75),
    'sdt_v3': (0.9, 0.8, 0.8, 0.8, 0.75, 0.65, 0.65, 0.65),
}

#: the unit every entry of :data:`REFERENCE_SCHEDULES` is expressed in.
REFERENCE_SCHEDULE_UNIT = 'side'


def resolve_keep_schedule(schedule: Union[str, Sequence[float]]) -> Tuple[float, ...]:
    """A preset name from :data:`REFERENCE_SCHEDULES`, or a list of ratios, as a tuple.

    Raises:
        KeyError: ``schedule`` is a string that names no preset.
    """
    if isinstance(schedule, str):
        if schedule not in REFERENCE_SCHEDULES:
            raise KeyError(f'keep_schedule={schedule!r} is not a reference schedule; '
                           f'choose one of {sorted(REFERENCE_SCHEDULES)} or give a list '
                           f'of per-block keep ratios')
        return REFERENCE_SCHEDULES[schedule]
    return tuple(schedule)
