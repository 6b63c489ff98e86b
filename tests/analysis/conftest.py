"""Fixtures of the analysis-tool tests: tiny configs and pruning overlays."""
import pytest

from helpers.analysis_test_utils import TINY_BACKBONE


@pytest.fixture
def tiny_config(tmp_path):
    """Path of a config whose model.backbone is :data:`TINY_BACKBONE`."""
    path = tmp_path / 'tiny_backbone.py'
    path.write_text("custom_imports = dict(imports=['tpmm'], allow_failed_imports=False)\n"
                    f'model = dict(backbone={TINY_BACKBONE!r})\n')
    return str(path)


@pytest.fixture
def overlay(tmp_path):
    """Factory: write a pruning overlay setting model.backbone.pruning; returns its path."""

    def write(name, **pruning):
        path = tmp_path / f'{name}.py'
        path.write_text('model = dict(backbone=dict(pruning=dict(_delete_=True, '
                        f'**{pruning!r})))\n')
        return str(path)

    return write
