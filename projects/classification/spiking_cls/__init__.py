"""Classification on cluttered digits with tpmm's spiking backbones (CPU study)."""
from .accuracy_metric import Top1Accuracy
from .cluttered_digits import ClutteredDigits, make_canvas, split_indices
from .spiking_classifier import SpikingClassifier

__all__ = ['ClutteredDigits', 'SpikingClassifier', 'Top1Accuracy', 'make_canvas',
           'split_indices']
