"""Checkpoint converters: the official repositories' (and spikingjelly's model zoo) key
layouts -> tpmm backbone keys, or the keys of an mmpretrain ``ImageClassifier``
(``tools/model_converters/*2tpmm.py`` are their command lines)."""
from . import qkformer, sdt_v1, sdt_v2, sdt_v3, spikformer
from .state_dict_conversion import (CheckpointConversionError, ConversionPlan,
                                    classifier_state_dict, convert_file, load_state_dict,
                                    unwrap_state_dict)

__all__ = [
    'qkformer', 'sdt_v1', 'sdt_v2', 'sdt_v3', 'spikformer', 'CheckpointConversionError',
    'ConversionPlan', 'classifier_state_dict', 'convert_file', 'load_state_dict',
    'unwrap_state_dict'
]
