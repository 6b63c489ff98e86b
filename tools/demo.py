"""End-to-end offline demo (``make demo``): train a spiking detector and a spiking
segmenter on the synthetic shapes, then prune their tokens without retraining.

    python tools/demo.py [--work-dir work_dirs/demo] [--data-root data]

Steps, each a stock OpenMMLab entry point run as a subprocess (logs under
``<work-dir>/<task>/``):

1. ``tools/dataset_converters/make_synthetic.py`` writes the COCO- and ADE20K-format
   shape sets under ``<data-root>``.
2. Per task (Mask R-CNN on a tiny SDT-V1, Semantic FPN on a tiny SDT-V1): evaluate the
   randomly initialised model (``tools/test.py``; detection with ``score_thr=0`` so that
   the untrained model is scored on all its boxes), train it (``tools/train.py``), then
   evaluate the trained checkpoint unpruned, with the IRToP overlay
   (``--pruning configs/_base_/pruning/irtop_k0.7.py``, training-free) and with that
   overlay plus ``--cfg-options model.backbone.pruning.keep_ratio=0.5``.
3. ``tools/analysis/benchmark.py`` counts the backbone's GFLOPs on a real forward with the
   pruner active (gathered tokens are counted at their reduced number) and times the
   unpruned and pruned backbones interleaved, giving the throughput ratio pruned /
   unpruned: for each trained model at 128x128, and for the paper-size SDT-V1 8-384
   backbone (random weights; T=1 to keep the demo short) at 224x224, where the
   transformer blocks carry most of the work (in the tiny models the stem and the
   feature pyramid dominate).

Prints one table and writes every number to ``<work-dir>/results.json``.
"""
import argparse
import json
import os
import os.path as osp

from tpmm.analysis import records_table
from tpmm.engine import PRUNING_OVERLAY_DIR, DemoRunner
from tpmm.engine.demo_runner import REPO_ROOT

IMAGE_SIZE = 128
TRAIN_IMAGES, VAL_IMAGES = 256, 32

TASKS = [
    dict(name='det', title='Mask R-CNN, SDT-V1 tiny',
         config='configs/detection/mask-rcnn_sdtv1-tiny_fpn_1xb2-600iter_synthetic-coco.py',
         untrained_options=['model.test_cfg.rcnn.score_thr=0.0']),
    dict(name='seg', title='Semantic FPN, SDT-V1 tiny',
         config='configs/segmentation/fpn_sdtv1-tiny_1xb4-400iter_synthetic-ade.py',
         untrained_options=[]),
]
#: backbone measured at its paper size (GFLOPs and speed do not depend on training)
PAPER_BENCHMARK = dict(name='paper', title='SDT-V1 8-384 backbone (T=1, 224x224)',
                       config='configs/detection/mask-rcnn_sdtv1-8-384_fpn_8xb2-1x_coco.py',
                       options=['model.backbone.T=1'], shape=224, batch=1, repeats=3,
                       iters=1)
#: (variant name, pruning overlay or None, extra --cfg-options, benchmark variant name)
VARIANTS = [
    ('unpruned', None, [], 'unpruned'),
    ('IRToP k=0.7', 'irtop_k0.7', [], 'irtop_k0.7'),
    ('IRToP k=0.5', 'irtop_k0.7', ['model.backbone.pruning.keep_ratio=0.5'], 'irtop_k0.5'),
]
METRIC_KEYS = {
    'bbox_mAP': 'coco/bbox_mAP',
    'bbox_mAP_50': 'coco/bbox_mAP_50',
    'segm_mAP': 'coco/segm_mAP',
    'mIoU': 'mIoU',
}


def single_thread_env() -> dict:
    """The environment for the steps: one intra-op thread unless the caller chose.

    The demo models are tiny and the data loader workers share the few cores; with
    several OpenMP threads, every operator waits for a thread that lost its core, which
    made training several times slower on 2 cores."""
    env = dict(os.environ)
    for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        env.setdefault(name, '1')
    return env


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data',
                        help='parent folder of data/synthetic_coco and data/synthetic_ade')
    return parser.parse_args()


class Demo(DemoRunner):
    """Runs the steps of the module docstring and collects their numbers."""

    def __init__(self, work_dir: str, data_root: str):
        super().__init__(work_dir, 'tpmm_demo', env=single_thread_env())
        self.data_root = osp.abspath(data_root)

    def data_options(self, task: dict):
        """``--cfg-options`` that point a synthetic config at ``--data-root``."""
        if task['name'] == 'det':
            root = osp.join(self.data_root, 'synthetic_coco') + '/'
            ann = root + 'annotations/instances_val2017.json'
            return [f'train_dataloader.dataset.data_root={root}',
                    f'val_dataloader.dataset.data_root={root}',
                    f'test_dataloader.dataset.data_root={root}',
                    f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}']
        root = osp.join(self.data_root, 'synthetic_ade', 'ADEChallengeData2016')
        return [f'{split}_dataloader.dataset.data_root={root}'
                for split in ('train', 'val', 'test')]

    def make_data(self) -> None:
        self.run(['tools/dataset_converters/make_synthetic.py', '--out', self.data_root,
                  '--which', 'coco', 'ade', '--image-size', str(IMAGE_SIZE),
                  '--coco-images', str(TRAIN_IMAGES), str(VAL_IMAGES),
                  '--ade-images', str(TRAIN_IMAGES), str(VAL_IMAGES)],
                 osp.join(self.work_dir, 'make_synthetic.log'))

    def save_initial_checkpoint(self, task: dict, path: str) -> None:
        """The config's model, initialised as training initialises it (seed 0)."""
        import torch
        from mmengine.config import Config
        from mmengine.registry import MODELS, init_default_scope
        from mmengine.runner import set_random_seed
        cfg = Config.fromfile(osp.join(REPO_ROOT, task['config']))
        init_default_scope(cfg.default_scope)
        set_random_seed(0)
        model = MODELS.build(cfg.model)
        model.init_weights()
        torch.save(dict(meta=dict(note='randomly initialised, untrained'),
                        state_dict=model.state_dict()), path)

    def evaluate(self, task: dict, checkpoint: str, work_dir: str, overlay=None,
                 options=()) -> dict:
        """Evaluate with ``tools/test.py``; returns the metrics of :data:`METRIC_KEYS`."""
        overlay_file = None if overlay is None else osp.join(PRUNING_OVERLAY_DIR, overlay + '.py')
        pruning = [] if overlay is None else ['--pruning', osp.relpath(overlay_file, REPO_ROOT)]
        logged = self.test(task['config'], checkpoint, work_dir,
                           [*pruning, '--cfg-options', *self.data_options(task), *options])
        return {name: float(logged[key]) for name, key in METRIC_KEYS.items()
                if key in logged}

    def benchmark(self, config: str, work_dir: str, checkpoint=None, shape=IMAGE_SIZE,
                  batch=8, repeats=7, iters=2, options=()) -> dict:
        """Backbone GFLOPs and throughput of every variant (benchmark.py's JSON)."""
        out = osp.join(work_dir, 'benchmark.json')
        overlays = sorted({bench for _, _, _, bench in VARIANTS if bench != 'unpruned'})
        weights = [] if checkpoint is None else ['--checkpoint', checkpoint]
        cfg_options = ['--cfg-options', *options] if options else []
        self.run(['tools/analysis/benchmark.py', config, '--pruning', *overlays, *weights,
                  '--shape', str(shape), str(shape), '--batch', str(batch), '--warmup', '1',
                  '--repeats', str(repeats), '--iters', str(iters), *cfg_options,
                  '--out', out], osp.join(work_dir, 'benchmark.log'))
        with open(out) as f:
            return json.load(f)['main']['results']

    @staticmethod
    def efficiency(measured: dict) -> dict:
        """The table's efficiency columns from one benchmark variant."""
        return dict(backbone_gflops=measured['backbone_gflops'],
                    throughput_ratio=measured['speedup'],
                    images_per_s=measured['images_per_s']['median'],
                    kept_tokens=measured['kept_tokens'])

    def run_paper_benchmark(self) -> list:
        """Efficiency rows of the paper-size backbone (no accuracy: it is untrained)."""
        bench = PAPER_BENCHMARK
        self.log(f'== {bench["title"]}: {bench["config"]}')
        results = self.benchmark(bench['config'], osp.join(self.work_dir, bench['name']),
                                 shape=bench['shape'], batch=bench['batch'],
                                 repeats=bench['repeats'], iters=bench['iters'],
                                 options=bench['options'])
        return [dict(model=bench['title'], variant=name, config=bench['config'],
                     overlay=overlay, cfg_options=options, **self.efficiency(results[key]))
                for name, overlay, options, key in VARIANTS]

    def run_task(self, task: dict) -> list:
        """Every row of the results table for one task."""
        task_dir = osp.join(self.work_dir, task['name'])
        os.makedirs(task_dir, exist_ok=True)
        self.log(f'== {task["title"]}: {task["config"]}')
        initial = osp.join(task_dir, 'untrained.pth')
        self.save_initial_checkpoint(task, initial)
        rows = [dict(model=task['title'], variant='untrained', config=task['config'],
                     **self.evaluate(task, initial, osp.join(task_dir, 'test_untrained'),
                                     options=task['untrained_options']))]
        checkpoint = self.train(task['config'], osp.join(task_dir, 'train'),
                                self.data_options(task))
        bench = self.benchmark(task['config'], task_dir, checkpoint)
        for name, overlay, options, bench_name in VARIANTS:
            slug = name.replace(' ', '_').replace('=', '')
            metrics = self.evaluate(task, checkpoint, osp.join(task_dir, f'test_{slug}'),
                                    overlay, options)
            rows.append(dict(
                model=task['title'], variant=name, config=task['config'], overlay=overlay,
                cfg_options=options, **metrics, **self.efficiency(bench[bench_name])))
        return rows


def format_table(rows: list) -> str:
    """The results table as text."""
    columns = [('model', 'model'), ('variant', 'pruning'), ('bbox_mAP', 'bbox mAP'),
               ('bbox_mAP_50', 'bbox mAP@50'), ('segm_mAP', 'segm mAP'), ('mIoU', 'mIoU %'),
               ('backbone_gflops', 'backbone GFLOPs'),
               ('throughput_ratio', 'throughput pruned/unpruned')]
    return records_table(
        f'tpmm demo: synthetic shapes, {IMAGE_SIZE}x{IMAGE_SIZE} images; IRToP applied to '
        'the trained models without retraining', columns, rows,
        lambda key, value: f'{value:.2f}' if key == 'mIoU' else f'{value:.3f}',
        left=('model', 'pruning'))


def main():
    args = parse_args()
    os.chdir(REPO_ROOT)
    demo = Demo(args.work_dir, args.data_root)
    demo.make_data()
    rows = []
    for task in TASKS:
        rows.extend(demo.run_task(task))
    rows.extend(demo.run_paper_benchmark())
    demo.write_results(dict(rows=rows, image_size=IMAGE_SIZE, train_images=TRAIN_IMAGES,
                            val_images=VAL_IMAGES))
    print(format_table(rows), end='')


if __name__ == '__main__':
    main()
