"""Fixes that make the pinned stack (torch 2.14, numpy 2, mmengine 0.10.7) work together.

* torch >= 2.6 loads checkpoints with ``weights_only=True``. mmengine 0.10.7 writes a
  few of its own classes (the message hub's ``HistoryBuffer``) and numpy scalars into
  every checkpoint, so ``--resume`` fails with "Unsupported global". We allowlist
  exactly those classes with :func:`torch.serialization.add_safe_globals`;
  ``weights_only`` stays on, so a checkpoint that pickles anything else is refused.
  ``HistoryBuffer`` pickles its statistics methods as ``getattr(HistoryBuffer, 'mean')``;
  plain ``getattr`` would let a checkpoint reach any attribute (and so run code), so
  the allowlisted ``getattr`` only resolves those methods.
"""
import pickle

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


def history_buffer_method(owner, name: str):
    """``getattr`` restricted to ``HistoryBuffer``'s statistics methods."""
    HistoryBuffer()  # the class registers its built-in statistics on first use
    if owner is HistoryBuffer and name in HistoryBuffer._statistics_methods:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({owner!r}, {name!r}); only HistoryBuffer statistics '
        f'methods are allowed (weights_only loading)')


def _mmengine_checkpoint_globals() -> list:
    """Classes and functions mmengine 0.10.7 puts into training checkpoints."""
    safe = [HistoryBuffer, np.dtype, np.ndarray]
    # numpy arrays pickle through numpy.core (numpy 1) or numpy._core (numpy 2)
    multiarray = getattr(np, '_core', np.core).multiarray
    safe.append(multiarray._reconstruct)
    safe.append(multiarray.scalar)
    # dtype classes such as numpy.dtypes.Float64DType (numpy >= 1.25)
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [getattr(dtypes, name) for name in dir(dtypes) if name.endswith('DType')]
    return safe


torch.serialization.add_safe_globals(
    _mmengine_checkpoint_globals()
    + [(history_buffer_method, 'builtins.getattr'),
       (history_buffer_method, '__builtin__.getattr')])
