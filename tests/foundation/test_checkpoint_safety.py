"""torch 2.14 loads with weights_only=True; tpmm allowlists only mmengine's own classes."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

import tpmm  # noqa: F401  (registers the allowlist)


class ArbitraryPayload:
    """Stands in for an object a malicious checkpoint would smuggle in."""

    def __reduce__(self):
        return (print, ('this must never run',))


def test_mmengine_resume_objects_load(tmp_path):
    buffer = HistoryBuffer()
    buffer.update(1.5)
    path = tmp_path / 'resume.pth'
    torch.save({'state_dict': {'w': torch.ones(2)},
                'message_hub': {'log_scalars': {'loss': buffer}},
                'meta': {'seed': np.int64(3), 'lr': np.array([0.1])}}, path)
    ckpt = _load_checkpoint(str(path), map_location='cpu')
    assert ckpt['message_hub']['log_scalars']['loss'].current() == 1.5
    assert int(ckpt['meta']['seed']) == 3


def test_arbitrary_pickled_object_is_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {'w': torch.ones(2)}, 'payload': ArbitraryPayload()}, path)
    with pytest.raises(pickle.UnpicklingError, match='weights_only'):
        _load_checkpoint(str(path), map_location='cpu')


class AttributeWalk:
    """Pickles as ``getattr(HistoryBuffer, '__init__')``: the first step of a gadget
    chain towards ``__globals__`` and ``eval``."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


def test_getattr_only_reaches_history_buffer_statistics(tmp_path):
    path = tmp_path / 'walk.pth'
    torch.save({'payload': AttributeWalk()}, path)
    with pytest.raises(pickle.UnpicklingError, match='__init__'):
        _load_checkpoint(str(path), map_location='cpu')
