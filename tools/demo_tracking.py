"""Tracking demo: ByteTrack with a tiny spiking detector on synthetic MOT17-style videos,
unpruned, with IRToP token pruning, and with IRToP's kept tokens reused across frames.

    python tools/demo_tracking.py [--work-dir work_dirs/demo_tracking] [--data-root data]
        [--iters 300] [--sequences 4] [--frames 30] [--timing-repeats 2] [--threads 1]

Steps (stock entry points as subprocesses, logs under ``<work-dir>/``):

1. ``tools/dataset_converters/make_synthetic.py --which mot`` writes MOTChallenge-layout
   sequences (``train/<seq>/{img1,gt/gt.txt,seqinfo.ini}``) and their CocoVideo json
   (``annotations/half-{train,val}_cocoformat.json``) under ``<data-root>/synthetic_mot``.
2. ``tools/train.py`` trains the detector of ``CONFIG`` (mmdet's ``ByteTrack.loss``:
   single frames of the half-train split).
3. ``tools/test.py`` tracks the half-val split and scores HOTA / MOTA / IDF1
   (``MOTChallengeMetric``) for: the unpruned backbone; IRToP keeping 70% of the tokens
   (``--cfg-options model.detector.backbone.pruning...``, training-free); and
   ``FRAME_REUSE_CONFIG``, the same IRToP whose selection is computed on frame 0 and
   every 10th frame and replayed in between.
4. Timing, in this process: the three models (same checkpoint) run ``test_step`` frame
   by frame over the half-val videos, the variants interleaved on every frame so that
   machine load hits them alike; reports ms per frame for the whole step (detector and
   tracker), for the backbone alone, and the median per-frame ratio of backbone time to
   IRToP scoring every frame. Every step runs on ``--threads`` intra-op threads.

Prints a table and writes every number to ``<work-dir>/results.json``.
"""
import argparse
import copy
import os
import os.path as osp
import time

from tpmm.analysis import records_table
from tpmm.engine import DemoRunner
from tpmm.engine.demo_runner import REPO_ROOT

CONFIG_DIR = 'configs/tracking'
CONFIG = f'{CONFIG_DIR}/bytetrack_retinanet_sdtv1-tiny_fpn_1xb4-300iter_synthetic-mot.py'
FRAME_REUSE_CONFIG = (
    f'{CONFIG_DIR}/bytetrack-frame-reuse_retinanet_sdtv1-tiny_fpn_1xb4-300iter_synthetic-mot.py')
IRTOP_OPTIONS = ['model.detector.backbone.pruning.type=IRToP',
                 'model.detector.backbone.pruning.keep_ratio=0.7']
#: (variant name, config, extra --cfg-options)
VARIANTS = [
    ('unpruned', CONFIG, []),
    ('IRToP k=0.7', CONFIG, IRTOP_OPTIONS),
    ('IRToP k=0.7 + frame reuse', FRAME_REUSE_CONFIG, []),
]
#: the variant frame reuse is compared with: the same pruner, scoring every frame
SCORED = 'IRToP k=0.7'
METRIC_KEYS = ('HOTA', 'MOTA', 'IDF1', 'DetA', 'AssA', 'IDSW')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/demo_tracking')
    parser.add_argument('--data-root', default='data',
                        help='parent folder of the generated synthetic_mot/')
    parser.add_argument('--iters', type=int, default=300, help='training iterations')
    parser.add_argument('--sequences', type=int, default=4, help='generated videos')
    parser.add_argument('--frames', type=int, default=30, help='frames per video')
    parser.add_argument('--timing-repeats', type=int, default=2,
                        help='passes over the half-val videos when timing')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch intra-op threads of every step (OMP_NUM_THREADS); the '
                        'tiny models run fastest on one thread, several threads spin on a '
                        'busy 2-core machine')
    return parser.parse_args()


class TrackingDemo(DemoRunner):
    """Runs the steps of the module docstring and collects their numbers."""

    def __init__(self, args):
        super().__init__(args.work_dir, 'tpmm_demo_tracking',
                         env=dict(os.environ, OMP_NUM_THREADS=str(args.threads)))
        self.args = args
        self.data_root = osp.join(osp.abspath(args.data_root), 'synthetic_mot') + '/'

    def data_options(self):
        """``--cfg-options`` pointing the synthetic config at ``--data-root``, loading
        data in the main process (2-core machines)."""
        options = []
        for split in ('train', 'val', 'test'):
            options += [f'{split}_dataloader.dataset.data_root={self.data_root}',
                        f'{split}_dataloader.num_workers=0',
                        f'{split}_dataloader.persistent_workers=False']
        return options

    def make_data(self) -> None:
        self.run(['tools/dataset_converters/make_synthetic.py', '--out',
                  osp.dirname(self.data_root.rstrip('/')), '--which', 'mot',
                  '--mot-sequences', str(self.args.sequences),
                  '--mot-frames', str(self.args.frames)],
                 osp.join(self.work_dir, 'make_synthetic.log'))

    def schedule_options(self):
        """The config's schedule set to ``--iters`` (warm-up 10%), seed 0, no validation
        (the test runs below evaluate)."""
        iters = self.args.iters
        warmup = max(1, iters // 10)
        return ['randomness.seed=0', f'train_cfg.max_iters={iters}',
                f'train_cfg.val_begin={iters + 1}', f'default_hooks.checkpoint.interval={iters}',
                f'param_scheduler.0.end={warmup}',
                f'param_scheduler.1.begin={warmup}', f'param_scheduler.1.end={iters}',
                f'param_scheduler.1.T_max={iters - warmup}']

    def evaluate(self, name: str, config: str, options, checkpoint: str) -> dict:
        """HOTA / MOTA / IDF1 ... of one variant from ``tools/test.py``."""
        work_dir = osp.join(self.work_dir, 'test_' + name.replace(' ', '_').replace(
            '=', '').replace('+', 'and'))
        logged = self.test(config, checkpoint, work_dir,
                           ['--cfg-options', *self.data_options(), *options])
        return {key: float(logged[f'motchallenge-metric/{key}']) for key in METRIC_KEYS}

    def time_variants(self, checkpoint: str) -> dict:
        """ms per frame of each variant (interleaved frame by frame), see step 4."""
        import torch
        from mmengine.config import Config, DictAction
        from mmengine.dataset import pseudo_collate
        from mmengine.registry import init_default_scope
        from mmengine.runner import load_checkpoint

        from mmdet.registry import DATASETS, MODELS
        from tpmm.tracking import FrameReusePruner, batch_frame_id

        init_default_scope('mmdet')
        torch.set_num_threads(self.args.threads)
        models, reuse_pruners, step_ms, backbone_ms = {}, {}, {}, {}
        for name, config, options in VARIANTS:
            cfg = Config.fromfile(osp.join(REPO_ROOT, config))
            cfg.merge_from_dict({key: DictAction._parse_iterable(value)
                                 for key, value in (o.split('=', 1) for o in options)})
            model = MODELS.build(cfg.model)
            load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
            models[name] = model.eval()
            reuse_pruners[name] = [m for m in model.modules() if isinstance(m, FrameReusePruner)]
            step_ms[name], backbone_ms[name] = [], []
            self.add_backbone_timer(model.detector.backbone, backbone_ms[name])
        dataset_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
        dataset_cfg.data_root = self.data_root
        dataset = DATASETS.build(dataset_cfg)
        modes = {}
        names = [name for name, _, _ in VARIANTS]
        with torch.no_grad():
            for repeat in range(self.args.timing_repeats):
                for video in range(len(dataset)):
                    for frame in range(dataset.get_len_per_video(video)):
                        batch = pseudo_collate([dataset[(video, frame)]])
                        shift = (frame + repeat) % len(names)
                        for name in names[shift:] + names[:shift]:
                            for pruner in reuse_pruners[name]:
                                pruner.start_frame(batch_frame_id(batch))
                            start = time.perf_counter()
                            models[name].test_step(copy.deepcopy(batch))
                            step_ms[name].append(1000 * (time.perf_counter() - start))
                            for pruner in reuse_pruners[name]:
                                modes[pruner.last_mode] = modes.get(pruner.last_mode, 0) + 1
        timing = {}
        for name in names:
            timing[name] = dict(
                step_ms=sum(step_ms[name]) / len(step_ms[name]),
                backbone_ms=sum(backbone_ms[name]) / len(backbone_ms[name]),
                # median over frames of (this variant / IRToP scoring every frame)
                backbone_vs_irtop=median_ratio(backbone_ms[name], backbone_ms[SCORED]),
                frames=len(step_ms[name]))
        return dict(per_variant=timing, frame_reuse_modes=modes)

    @staticmethod
    def add_backbone_timer(backbone, times: list) -> None:
        """Append the wall time of every ``backbone`` forward (ms) to ``times``."""
        started = []
        backbone.register_forward_pre_hook(lambda *_: started.append(time.perf_counter()))
        backbone.register_forward_hook(
            lambda *_: times.append(1000 * (time.perf_counter() - started.pop())))


def median_ratio(times: list, reference: list) -> float:
    """Median over frames of ``times[i] / reference[i]`` (paired, same frame)."""
    ratios = sorted(t / r for t, r in zip(times, reference))
    middle = len(ratios) // 2
    return ratios[middle] if len(ratios) % 2 else (ratios[middle - 1] + ratios[middle]) / 2


def format_table(rows: list, title: str) -> str:
    """The results table as text."""
    columns = [('variant', 'backbone pruning'), ('HOTA', 'HOTA'), ('MOTA', 'MOTA'),
               ('IDF1', 'IDF1'), ('IDSW', 'ID sw.'), ('step_ms', 'ms/frame (all)'),
               ('backbone_ms', 'ms/frame (backbone)'),
               ('backbone_vs_irtop', f'backbone time / {SCORED}')]
    return records_table(title, columns, rows, format_float, left=('backbone pruning', ))


def format_float(key: str, value: float) -> str:
    """A number of the results table: ID switches whole, times in ms with one decimal,
    the backbone-time ratio as ``x0.123``."""
    if key == 'IDSW':
        return f'{value:.0f}'
    if key.endswith('_ms'):
        return f'{value:.1f}'
    return f'x{value:.3f}' if key == 'backbone_vs_irtop' else f'{value:.3f}'


def main():
    args = parse_args()
    os.chdir(REPO_ROOT)
    demo = TrackingDemo(args)
    demo.make_data()
    checkpoint = demo.train(CONFIG, osp.join(demo.work_dir, 'train'),
                            [*demo.data_options(), *demo.schedule_options()])
    rows = []
    for name, config, options in VARIANTS:
        rows.append(dict(variant=name, config=config, cfg_options=options,
                         **demo.evaluate(name, config, options, checkpoint)))
    demo.log('timing the variants frame by frame (interleaved)')
    timing = demo.time_variants(checkpoint)
    for row in rows:
        row.update(timing['per_variant'][row['variant']])
    title = (f'tpmm tracking demo: ByteTrack + SDT-V1 tiny RetinaNet, {args.sequences} '
             f'synthetic videos x {args.frames} frames (half-val scored), {args.iters} iters')
    demo.write_results(dict(rows=rows, frame_reuse_modes=timing['frame_reuse_modes'],
                            checkpoint=checkpoint, iters=args.iters,
                            sequences=args.sequences, frames=args.frames))
    print(format_table(rows, title), end='')
    modes = timing['frame_reuse_modes']
    print(f'frame reuse: {modes.get("reuse", 0)} of {sum(modes.values())} timed frames reused '
          f'the kept tokens of their key frame')


if __name__ == '__main__':
    main()
