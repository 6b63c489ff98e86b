"""tpmm registries, children of mmengine's root registries with scope ``tpmm``.

Because they are children of the roots, an mmdet config (``default_scope='mmdet'``)
or an mmseg config (``default_scope='mmseg'``) builds ``type='tpmm.SDTV1'`` once
``custom_imports=dict(imports=['tpmm'])`` has imported this package, and a
``default_scope='tpmm'`` config reaches mmdet / mmseg components by their prefix.

Only the registries tpmm registers into: models (backbones, scorers, pruners), datasets,
hooks, metrics, data transforms, model wrappers and visualizers.
"""
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='tpmm', locations=['tpmm.engine'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='tpmm', locations=['tpmm.datasets'])
MODELS = Registry('model', parent=MMENGINE_MODELS, scope='tpmm', locations=['tpmm.models', 'tpmm.pruning', 'tpmm.tracking'])  # backbones, scorers, pruners, trackers
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope='tpmm', locations=['tpmm.engine'])
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS, scope='tpmm', locations=['tpmm.datasets'])
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope='tpmm', locations=['tpmm.evaluation'])
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS, scope='tpmm', locations=['tpmm.tracking'])
