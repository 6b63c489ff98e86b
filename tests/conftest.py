"""Suite-wide fixtures."""
import pytest
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True)
def isolated_default_scope():
    """Run each test in the tpmm scope and drop any scope it creates.

    mmengine's current default scope is process-global: a Runner or a test that builds
    an mmdet / mmseg config leaves its scope current, and a later ``MODELS.build`` of a
    tpmm type would then be looked up in mmdet / mmseg.
    """
    with DefaultScope.overwrite_default_scope('tpmm'):
        yield
