"""Event-tracking demo: a one-stream spiking tracker (SDT-V1 tiny) on generated
FE108-layout event sequences, untrained, trained, and trained + IRToP token pruning of
the search region.

    python tools/demo_event_tracking.py [--work-dir work_dirs/demo_event_tracking]
        [--data-root data/synthetic_fe108] [--threads 1] [--timing-repeats 20]

Steps (stock entry points as subprocesses, logs under ``<work-dir>/``):

1. ``tools/dataset_converters/make_event_tracking.py`` writes 8 train + 4 test sequences
   (40 frames, 128 x 96, event stacks of 2 time bins) under ``--data-root``.
2. ``tools/train.py CONFIG`` trains the tracker (the config's schedule).
3. ``tools/test.py`` runs one-pass evaluation on the test sequences (success AUC,
   precision at 20 px, normalised precision) for: the untrained tracker (random
   initialisation, same seed), the trained one, and the trained one with
   ``--pruning irtop_k0.7`` and ``irtop_k0.5`` (training-free pruning of search tokens;
   template tokens are always kept).
4. Timing, in this process: the backbone part of the tracker (stem + blocks on one
   template and one search crop, batch 1, as in tracking) per variant, interleaved
   repeats, median ms.

Prints a table and writes every number to ``<work-dir>/results.json``.
"""
import argparse
import os
import os.path as osp
import re
import statistics
import time

from tpmm.analysis import records_table
from tpmm.engine import DemoRunner
from tpmm.engine.demo_runner import REPO_ROOT

CONFIG = 'configs/tracking/sot/sdtrack_sdtv1-tiny_synthetic-fe108.py'
#: (variant, checkpoint kind, pruning overlay)
VARIANTS = [('untrained', 'random', None), ('trained', 'trained', None),
            ('trained + IRToP k=0.7', 'trained', 'irtop_k0.7'),
            ('trained + IRToP k=0.5', 'trained', 'irtop_k0.5')]
METRICS = ('AUC', 'Prec', 'NormPrec', 'OP50')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/demo_event_tracking')
    parser.add_argument('--data-root', default='data/synthetic_fe108')
    parser.add_argument('--threads', type=int, default=1, help='intra-op threads')
    parser.add_argument('--timing-repeats', type=int, default=20)
    return parser.parse_args()


def random_checkpoint(cfg, path):
    """Save the config's model as built (PyTorch's default initialisation, seed 0; the
    config has no ``init_cfg``) to ``path``."""
    import torch
    from mmengine.registry import MODELS, init_default_scope
    init_default_scope(cfg.default_scope)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    torch.save(dict(meta=dict(note='random init'), state_dict=model.state_dict()), path)


def backbone_times(cfg, checkpoint, repeats):
    """Median ms of the tracker's backbone part per variant (batch 1, interleaved)."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope

    from tpmm.engine import apply_pruning_overlay
    from tpmm.tracking.sot import joint_forward
    init_default_scope(cfg.default_scope)
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)['state_dict']
    models = {}
    for name, kind, overlay in VARIANTS[1:]:
        variant = Config(cfg.to_dict())
        if overlay:
            variant = apply_pruning_overlay(variant, overlay)
        models[name] = MODELS.build(variant.model).eval()
        models[name].load_state_dict(state, strict=False)
    t = cfg.model.backbone.T
    template = (torch.rand(t, 1, 3, cfg.model.template_size, cfg.model.template_size) > 0.8)
    search = (torch.rand(t, 1, 3, cfg.model.search_size, cfg.model.search_size) > 0.8)
    times = {name: [] for name in models}
    with torch.no_grad():
        for _ in range(repeats + 2):
            for name, model in models.items():
                start = time.perf_counter()
                joint_forward(model.backbone, template.float(), search.float())
                times[name].append(1000 * (time.perf_counter() - start))
    return {name: statistics.median(v[2:]) for name, v in times.items()}


def results_table(results: dict) -> str:
    """The demo's table: one row per variant, scores in %, backbone ms."""
    columns = [('variant', 'variant')] + [(f'sot/{m}', m) for m in METRICS] + [
        ('backbone_ms', 'backbone ms')]
    records = [dict(scores, variant=name) for name, scores in results.items()]
    return records_table('Event-based SOT, generated FE108-layout sequences (4 test x 40 '
                         'frames), scores in %', columns, records,
                         lambda key, value: f'{value:.1f}', left=('variant', ))


def main():
    args = parse_args()
    import torch
    from mmengine.config import Config
    torch.set_num_threads(args.threads)
    runner = DemoRunner(args.work_dir, 'tpmm_demo_event_tracking',
                        env=dict(os.environ, OMP_NUM_THREADS=str(args.threads),
                                 MKL_NUM_THREADS=str(args.threads)))
    work_dir = runner.work_dir
    data_root = osp.abspath(args.data_root) + '/'
    data = [f'{k}.dataset.data_root={data_root}'
            for k in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    runner.log('1. data')
    runner.run(['tools/dataset_converters/make_event_tracking.py', '--out', data_root],
               osp.join(work_dir, 'make_data.log'))
    runner.log('2. training')
    trained = runner.train(CONFIG, osp.join(work_dir, 'train'), data)
    cfg = Config.fromfile(osp.join(REPO_ROOT, CONFIG))
    random_ckpt = osp.join(work_dir, 'random_init.pth')
    random_checkpoint(cfg, random_ckpt)
    runner.log('3. one-pass evaluation')
    results = {}
    for name, kind, overlay in VARIANTS:
        checkpoint = trained if kind == 'trained' else random_ckpt
        tag = re.sub(r'[^a-z0-9.]+', '_', name.lower())
        pruning = ['--pruning', overlay] if overlay else []
        metrics = runner.test(CONFIG, checkpoint, osp.join(work_dir, 'test_' + tag),
                              [*pruning, '--cfg-options', *data])
        results[name] = {k: v for k, v in metrics.items() if k.startswith('sot/')}
    runner.log('4. backbone timing')
    for name, ms in backbone_times(cfg, trained, args.timing_repeats).items():
        results[name]['backbone_ms'] = ms
    runner.write_results(results)
    print('\n' + results_table(results))


if __name__ == '__main__':
    main()
