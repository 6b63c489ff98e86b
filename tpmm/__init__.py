"""tpmm: token-pruned spiking transformers for OpenMMLab (mmdet / mmseg)."""
from . import compat  # noqa: F401  (stack fixes; must run before checkpoints load)
from . import datasets, engine, evaluation, models, pruning, tracking  # noqa: F401

__version__ = '0.1.0'
