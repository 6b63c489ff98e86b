"""Throughput, FLOPs and pruning overhead of a backbone's variants, measured in one run.

All variants (unpruned first, then one per pruning overlay) have the same weights: after
``warmup`` forwards of each, ``repeats`` rounds run every variant once per round, in an
order that rotates from round to round, each timing ``iters`` forwards; images/s are
summarised by median and spread over the rounds. FLOPs are counted on a real forward
(batch 1) with the pruner active; the pruner's own cost is timed in a separate pass with
:class:`tpmm.evaluation.PruningOverheadTimer`. The result keys are listed in
``tools/analysis/benchmark.py``.
"""
import copy
import time
from collections import OrderedDict
from dataclasses import dataclass, field, fields
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.logging import MMLogger
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import DefaultScope
from torch import nn

from tpmm.engine.pruning_overlay import backbone_key
from tpmm.evaluation import PruningOverheadTimer, count_flops
from .images import check_shape, input_shape_for
from .tables import print_table
from .variants import UNPRUNED, backbone_config, build_variant_backbones


@dataclass
class BenchmarkSettings:
    """What :func:`run_benchmark` measures (the flags of ``tools/analysis/benchmark.py``).

    ``shape`` is ``(H, W)``; ``sweep`` lists long sides measured at ``sweep_batch``
    with the aspect of ``shape``.
    """
    shape: Sequence[int] = (224, 224)
    batch: int = 8
    sweep: Sequence[int] = ()
    sweep_batch: int = 1
    warmup: int = 2
    repeats: int = 7
    iters: int = 2
    full_model: bool = False
    train_step: bool = False
    checkpoint: Optional[str] = None
    device: str = field(default_factory=lambda: 'cuda' if torch.cuda.is_available() else 'cpu')

    @classmethod
    def from_args(cls, args) -> 'BenchmarkSettings':
        """The settings named by the attributes of a parsed command line."""
        return cls(**{f.name: getattr(args, f.name) for f in fields(cls)
                      if hasattr(args, f.name)})


def synchronize(device: torch.device) -> None:
    """Wait for the queued CUDA work of ``device`` (no-op on CPU)."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def summarize(samples: Sequence[float]) -> Dict[str, float]:
    """Median and spread of throughput samples."""
    values = np.asarray(samples, dtype=float)
    p25, median, p75 = np.percentile(values, [25, 50, 75])
    return dict(median=float(median), p25=float(p25), p75=float(p75),
                min=float(values.min()), max=float(values.max()),
                rel_iqr=float((p75 - p25) / median) if median > 0 else float('nan'),
                samples=[float(v) for v in values])


def time_interleaved(calls: 'OrderedDict[str, Callable[[], object]]', num_images: int,
                     device: torch.device, warmup: int, repeats: int,
                     iters: int, grad: bool = False) -> Dict[str, List[float]]:
    """Images/s of each call per round; rounds visit the calls in a rotating order.
    ``grad=False`` runs the calls under ``torch.no_grad()``."""
    names = list(calls)
    with torch.set_grad_enabled(grad):
        for name in names:
            for _ in range(warmup):
                calls[name]()
        samples = {name: [] for name in names}
        for round_index in range(repeats):
            shift = round_index % len(names)
            for name in names[shift:] + names[:shift]:
                synchronize(device)
                start = time.perf_counter()
                for _ in range(iters):
                    calls[name]()
                synchronize(device)
                samples[name].append(num_images * iters / (time.perf_counter() - start))
    return samples


def training_step(backbone: nn.Module, inputs: torch.Tensor) -> None:
    """Forward in train mode and backward of the mean of every output tensor."""
    outputs = backbone(inputs)
    tensors = list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]
    sum(t.float().mean() for t in tensors).backward()
    backbone.zero_grad(set_to_none=True)


def measure_training(backbones, inputs: torch.Tensor, device: torch.device,
                     settings: BenchmarkSettings) -> Dict[str, dict]:
    """``{variant: {images_per_s, peak_memory_mb}}`` of :func:`training_step`; the
    backbones are back in eval mode afterwards."""
    for backbone in backbones.values():
        backbone.train()
    try:
        samples = time_interleaved(
            OrderedDict((name, (lambda b=b: training_step(b, inputs)))
                        for name, b in backbones.items()),
            inputs.shape[0], device, settings.warmup, settings.repeats, settings.iters,
            grad=True)
        results = OrderedDict()
        for name, backbone in backbones.items():
            peak = None
            if device.type == 'cuda':
                torch.cuda.reset_peak_memory_stats(device)
                training_step(backbone, inputs)
                peak = torch.cuda.max_memory_allocated(device) / 2**20
            results[name] = dict(images_per_s=summarize(samples[name]), peak_memory_mb=peak)
    finally:
        for backbone in backbones.values():
            backbone.eval()
    return results


def measure_overhead(backbone: nn.Module, inputs: torch.Tensor, device: torch.device,
                     repeats: int) -> Dict[str, float]:
    """Per-forward pruner overhead over ``repeats`` forwards."""
    timer = PruningOverheadTimer(backbone.pruner, device)
    with torch.no_grad(), timer:
        synchronize(device)
        start = time.perf_counter()
        for _ in range(repeats):
            backbone(inputs)
        synchronize(device)
        total = time.perf_counter() - start
    summary = timer.summary(total)
    per_forward = {k: v / repeats if k.endswith('_ms') else v for k, v in summary.items()}
    return per_forward


def kept_tokens(backbone: nn.Module) -> Dict[str, list]:
    """``{block: [K, N]}`` from the pruner's records of the last forward."""
    return {str(record.block_index): [int(record.kept_index.shape[-1]),
                                      int(record.hw[0] * record.hw[1])]
            for record in backbone.pruner.last_records}


def full_model_call(model: nn.Module, inputs: torch.Tensor):
    """``(callable, name)``: the raw-tensor forward of an OpenMMLab model, or
    ``extract_feat`` for models whose tensor mode needs data samples."""
    try:
        with torch.no_grad():
            model(inputs[:1], mode='tensor')
        return (lambda: model(inputs, mode='tensor')), 'tensor'
    except (TypeError, AttributeError, KeyError, IndexError):
        return (lambda: model.extract_feat(inputs)), 'extract_feat'


def build_full_models(cfg, variants, backbones, device):
    """The whole model of ``cfg`` per variant, with the variant's backbone (neck and
    head drawn with the same seed for every variant). For a tracker this is its
    detector: association needs whole videos, not a batch of images."""
    models = OrderedDict()
    for name in variants:
        torch.manual_seed(0)
        with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'tpmm')):
            model = ROOT_MODELS.build(copy.deepcopy(cfg.model))
        if backbone_key(cfg) == 'model.detector.backbone':
            model = model.detector
        model.backbone = backbones[name]
        models[name] = model.to(device).eval()
    return models


def measure(backbones, shape, batch, device, settings: BenchmarkSettings,
            full_models=None) -> dict:
    """Every metric of a ``measurement`` (``tools/analysis/benchmark.py``) at one input
    size."""
    logger = MMLogger.get_current_instance()
    torch.manual_seed(0)
    inputs = torch.randn(batch, 3, *shape, device=device)
    one = inputs[:1]
    logger.info(f'measuring {len(backbones)} variants at {shape[0]}x{shape[1]}, '
                f'batch {batch}')
    samples = time_interleaved(
        OrderedDict((name, (lambda b=b: b(inputs))) for name, b in backbones.items()),
        batch, device, settings.warmup, settings.repeats, settings.iters)
    results = OrderedDict()
    for name, backbone in backbones.items():
        flops = count_flops(backbone, one)['total']
        overhead = measure_overhead(backbone, inputs, device, max(1, settings.repeats // 2))
        results[name] = dict(images_per_s=summarize(samples[name]),
                             backbone_gflops=flops / 1e9,
                             kept_tokens=kept_tokens(backbone),
                             overhead=overhead)
    if full_models is not None:
        calls, call_names = OrderedDict(), {}
        for name, model in full_models.items():
            calls[name], call_names[name] = full_model_call(model, inputs)
        full_samples = time_interleaved(calls, batch, device, settings.warmup,
                                        settings.repeats, settings.iters)
        for name, model in full_models.items():
            one_call = full_model_call(model, one)[0]
            with torch.no_grad():
                gflops = count_flops(CallableModule(one_call), ())['total'] / 1e9
            results[name]['full_model'] = dict(
                images_per_s=summarize(full_samples[name]), gflops=gflops,
                call=call_names[name])
    if settings.train_step:
        for name, train in measure_training(backbones, inputs, device, settings).items():
            results[name]['train_step'] = train
    base = results[UNPRUNED]
    noise_floor = base['images_per_s']['rel_iqr']
    for name, result in results.items():
        paired = np.asarray(samples[name]) / np.asarray(samples[UNPRUNED])
        result['speedup_rounds'] = dict(p25=float(np.percentile(paired, 25)),
                                        p75=float(np.percentile(paired, 75)))
        if 'train_step' in result:
            result['train_step']['speedup'] = (result['train_step']['images_per_s']['median'] /
                                               base['train_step']['images_per_s']['median'])
        result['flops_ratio'] = base['backbone_gflops'] / result['backbone_gflops']
        result['speedup'] = (result['images_per_s']['median'] /
                             base['images_per_s']['median'])
        result['speedup_vs_bound'] = result['speedup'] / result['flops_ratio']
        overhead = result['overhead']
        result['block_time_share'] = overhead['block_ms'] / overhead['backbone_ms']
        result['block_speedup'] = base['overhead']['block_ms'] / overhead['block_ms']
        result['verdict'] = ('reference' if name == UNPRUNED
                             else speedup_verdict(result['speedup'], noise_floor))
    return dict(shape=list(shape), batch=batch, noise_floor=noise_floor, results=results)


def speedup_verdict(speedup: float, noise_floor: float) -> str:
    """``'slowdown'`` below 1 and ``'faster'`` above, ``' (within noise)'`` added when
    the distance to 1 is at most ``noise_floor`` (a relative spread)."""
    verdict = 'slowdown' if speedup < 1 else 'faster'
    return verdict + (' (within noise)' if abs(speedup - 1) <= noise_floor else '')


class CallableModule(nn.Module):
    """Wrap a zero-argument callable as a module so that it can be counted."""

    def __init__(self, fn: Callable[[], object]):
        super().__init__()
        self.fn = fn

    def forward(self):
        return self.fn()


def print_measurement(measurement: dict, title: str) -> str:
    headers = ['variant', 'img/s', 'IQR/med', 'GFLOPs', 'FLOPs bound', 'speedup',
               'speedup p25-p75', 'verdict', 'speedup/bound', 'overhead %', 'scoring %',
               'top-k %', 'blocks % time', 'block speedup']
    with_model = all('full_model' in r for r in measurement['results'].values())
    if with_model:
        headers += ['model img/s', 'model GFLOPs', 'model call']
    with_train = all('train_step' in r for r in measurement['results'].values())
    if with_train:
        headers += ['train img/s', 'train speedup']
    rows = []
    for name, r in measurement['results'].items():
        rows.append([name, r['images_per_s']['median'], r['images_per_s']['rel_iqr'],
                     r['backbone_gflops'], r['flops_ratio'], r['speedup'],
                     '{p25:.3f}-{p75:.3f}'.format(**r['speedup_rounds']), r['verdict'],
                     r['speedup_vs_bound'], 100 * r['overhead']['overhead_share'],
                     100 * r['overhead']['scoring_share'], 100 * r['overhead']['top_k_share'],
                     100 * r['block_time_share'],
                     r['block_speedup']])
        if with_model:
            model = r['full_model']
            rows[-1] += [model['images_per_s']['median'], model['gflops'], model['call']]
        if with_train:
            rows[-1] += [r['train_step']['images_per_s']['median'], r['train_step']['speedup']]
    shape = measurement['shape']
    return print_table(f'{title}: {shape[0]}x{shape[1]}, batch {measurement["batch"]}; '
                       f'noise floor ±{100 * measurement["noise_floor"]:.1f} % (unpruned '
                       'IQR/median): ratios closer to 1 are noise', headers, rows)


def run_benchmark(cfg, variants, settings: BenchmarkSettings) -> dict:
    """Measure every variant of ``cfg``'s backbone (see the module docstring); prints
    one table per measurement."""
    device = torch.device(settings.device)
    backbone_cfg = backbone_config(cfg)
    backbones = build_variant_backbones(backbone_cfg, variants, settings.checkpoint, device)
    reference = backbones[UNPRUNED]
    shape = check_shape(settings.shape, reference.stride, type(reference).__name__)
    full_models = (build_full_models(cfg, variants, backbones, device)
                   if settings.full_model else None)
    result = dict(
        config=cfg.filename, backbone=type(reference).__name__, device=str(device),
        torch_threads=torch.get_num_threads(),
        settings=dict(shape=list(shape), batch=settings.batch,
                      sweep_batch=settings.sweep_batch, warmup=settings.warmup,
                      repeats=settings.repeats, iters=settings.iters,
                      train_step=settings.train_step),
        variants=list(variants), pruning=dict(variants))
    result['main'] = measure(backbones, shape, settings.batch, device, settings, full_models)
    print_measurement(result['main'], result['backbone'])
    result['sweep'] = []
    for long_side in settings.sweep:
        size = input_shape_for(long_side, shape, reference.stride)
        point = measure(backbones, size, settings.sweep_batch, device, settings)
        point['long_side'] = long_side
        result['sweep'].append(point)
        print_measurement(point, f'{result["backbone"]} sweep, long side {long_side}')
    return result


def allocator_warning(device: str, environ, platform: str) -> Optional[str]:
    """The hint to raise glibc's mmap / trim thresholds for CPU timing on Linux, or
    ``None`` when it does not apply (another device or platform, or already set)."""
    if (device != 'cpu' or not platform.startswith('linux')
            or 'MALLOC_MMAP_THRESHOLD_' in environ):
        return None
    return ('CPU timing with glibc defaults: large activations are unmapped after every '
            'forward and page-faulted back in, which inflates the unpruned layers\' time; '
            'for steadier numbers set MALLOC_MMAP_THRESHOLD_=17179869184 '
            'MALLOC_TRIM_THRESHOLD_=17179869184 (README, "Measuring")')
