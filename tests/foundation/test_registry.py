"""tpmm components build from mmdet- and mmseg-scoped configs through the scope prefix."""
import pytest
import torch
from mmengine.registry import DefaultScope
from torch import nn

import tpmm  # noqa: F401
from tpmm.registry import MODELS


@MODELS.register_module(force=True)
class RegistryProbe(nn.Module):
    """A one-layer module registered only in tpmm."""

    def __init__(self, channels=3):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        return self.conv(x)


@pytest.mark.parametrize('scope,registry', [
    ('mmdet', 'mmdet.registry'),
    ('mmseg', 'mmseg.registry'),
])
def test_scoped_type_builds_from_task_scope(scope, registry):
    task_models = __import__(registry, fromlist=['MODELS']).MODELS
    with DefaultScope.overwrite_default_scope(scope):
        module = task_models.build(dict(type='tpmm.RegistryProbe', channels=4))
    assert isinstance(module, RegistryProbe)
    assert module(torch.zeros(1, 4, 2, 2)).shape == (1, 4, 2, 2)


def test_task_component_builds_from_tpmm_scope():
    with DefaultScope.overwrite_default_scope('tpmm'):
        neck = MODELS.build(dict(type='mmdet.FPN', in_channels=[8, 16], out_channels=8,
                                 num_outs=2))
    assert type(neck).__module__.startswith('mmdet.')


def test_wrong_type_names_it():
    from mmdet.registry import MODELS as DET_MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        with pytest.raises(KeyError, match='NoSuchBackbone'):
            DET_MODELS.build(dict(type='tpmm.NoSuchBackbone'))
