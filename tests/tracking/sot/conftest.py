"""Tiny generated FE108-layout event-tracking sequences, written once per session."""
from types import SimpleNamespace

import pytest

from tpmm.datasets.event_sot import SyntheticEventSOTGenerator

SEQ_LENGTH = 8
NUM_BINS = 2


@pytest.fixture(scope='session')
def fe108_data(tmp_path_factory):
    """``root`` with ``train/`` (2 sequences) and ``test/`` (1) of 8 frames, 96 x 64 px,
    event stacks of 2 bins (``tools/dataset_converters/make_event_tracking.py``)."""
    root = tmp_path_factory.mktemp('event_sot') / 'synthetic_fe108'
    generator = SyntheticEventSOTGenerator(height=64, width=96, seq_length=SEQ_LENGTH,
                                           object_size=(12, 20), num_bins=NUM_BINS, seed=3)
    summary = generator.write(str(root), num_train=2, num_test=1)
    return SimpleNamespace(root=root, summary=summary, seq_length=SEQ_LENGTH,
                           num_bins=NUM_BINS, generator=generator)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """These tiny models run fastest on one thread (several threads on a busy shared
    CPU spin-wait); the previous setting is restored after each test."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
