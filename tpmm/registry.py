"""tpmm registries, children of mmengine's root registries with scope ``tpmm``.

Because they are children of the roots, an mmdet config (``default_scope='mmdet'``)
or an mmseg config (``default_scope='mmseg'``) builds ``type='tpmm.SDTV1'`` once
``custom_imports=dict(imports=['tpmm'])`` has imported this package, and a
``default_scope='tpmm'`` config reaches mmdet / mmseg components by their prefix.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, scope='tpmm', locations=['tpmm.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, scope='tpmm', locations=['tpmm.engine'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='tpmm', locations=['tpmm.engine'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='tpmm', locations=['tpmm.datasets'])
DATA_SAMPLERS = Registry('data sampler', parent=MMENGINE_DATA_SAMPLERS, scope='tpmm', locations=['tpmm.datasets'])
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS, scope='tpmm', locations=['tpmm.datasets'])
MODELS = Registry('model', parent=MMENGINE_MODELS, scope='tpmm', locations=['tpmm.models', 'tpmm.pruning'])  # backbones, heads, scorers, pruners
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope='tpmm', locations=['tpmm.engine'])
WEIGHT_INITIALIZERS = Registry('weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS, scope='tpmm', locations=['tpmm.models'])
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, scope='tpmm', locations=['tpmm.engine'])
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS, scope='tpmm', locations=['tpmm.engine'])
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, scope='tpmm', locations=['tpmm.engine'])
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope='tpmm', locations=['tpmm.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR, scope='tpmm', locations=['tpmm.evaluation'])
TASK_UTILS = Registry('task util', parent=MMENGINE_TASK_UTILS, scope='tpmm', locations=['tpmm.models'])
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS, scope='tpmm', locations=['tpmm.tracking'])
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS, scope='tpmm', locations=['tpmm.visualization'])
