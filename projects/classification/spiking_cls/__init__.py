"""Cluttered digits: the data of the classification study (CPU, no download)."""
from .cluttered_digits import (CLASSES, NUM_CLASSES, SPLITS, ClutteredDigits, make_canvas,
                               split_indices)

__all__ = ['CLASSES', 'ClutteredDigits', 'NUM_CLASSES', 'SPLITS', 'make_canvas', 'split_indices']
