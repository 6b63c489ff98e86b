"""Suite-wide fixtures and settings."""
import os

import pytest
import torch
from hypothesis import settings
from mmengine.registry import DefaultScope

# Property tests draw the same examples on every run (a seed derived from each test),
# with no example database carried between runs: a failure reproduces, a pass stays a
# pass. HYPOTHESIS_PROFILE=explore draws fresh random examples instead.
settings.register_profile('tpmm', derandomize=True, database=None, deadline=None)
settings.register_profile('explore', derandomize=False, database=None, deadline=None)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'tpmm'))


@pytest.fixture(autouse=True)
def isolated_default_scope():
    """Run each test in the tpmm scope and drop any scope it creates.

    mmengine's current default scope is process-global: a Runner or a test that builds
    an mmdet / mmseg config leaves its scope current, and a later ``MODELS.build`` of a
    tpmm type would then be looked up in mmdet / mmseg.
    """
    with DefaultScope.overwrite_default_scope('tpmm'):
        yield


@pytest.fixture
def restore_default_scope():
    """mmengine's Runner leaves its default scope as the current one; drop the scopes a
    test creates so that later tests build in their own scope."""
    before = set(DefaultScope._instance_dict)
    yield
    for name in set(DefaultScope._instance_dict) - before:
        DefaultScope._instance_dict.pop(name)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """One intra-op thread per test: the models here are tiny, one thread runs them
    fastest, and several threads spin against each other on a busy 2-core machine.
    (Subprocesses started by a test are not affected.)"""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
