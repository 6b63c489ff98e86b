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
import json
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
import time

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
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


def run(cmd, log_path, threads):
    """Run ``cmd`` from the repository root, output to ``log_path``; returns the output."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    start = time.time()
    result = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    log = result.stdout + result.stderr
    with open(log_path, 'w') as f:
        f.write(log)
    if result.returncode:
        raise RuntimeError(f'{" ".join(cmd)} failed (log {log_path}):\n{log[-3000:]}')
    print(f'  {osp.basename(log_path)}: {time.time() - start:.0f} s')
    return log


def sot_scores(log):
    """The last ``sot/...`` scores printed in ``log``."""
    line = [ln for ln in log.splitlines() if 'sot/AUC' in ln][-1]
    return {k: float(v) for k, v in re.findall(r'sot/(\w+): ([\d.]+)', line)}


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


def main():
    args = parse_args()
    import torch
    from mmengine.config import Config
    import tpmm  # noqa: F401
    torch.set_num_threads(args.threads)
    work_dir = osp.abspath(args.work_dir)
    data_root = osp.abspath(args.data_root) + '/'
    os.makedirs(work_dir, exist_ok=True)
    data = [f'{k}.dataset.data_root={data_root}'
            for k in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    python = sys.executable
    print('1. data')
    run([python, 'tools/dataset_converters/make_event_tracking.py', '--out', data_root],
        osp.join(work_dir, 'make_data.log'), args.threads)
    print('2. training')
    train_dir = osp.join(work_dir, 'train')
    run([python, 'tools/train.py', CONFIG, '--work-dir', train_dir, '--cfg-options', *data],
        osp.join(work_dir, 'train.log'), args.threads)
    with open(osp.join(train_dir, 'last_checkpoint')) as f:
        trained = f.read().strip()
    cfg = Config.fromfile(osp.join(REPO_ROOT, CONFIG))
    random_ckpt = osp.join(work_dir, 'random_init.pth')
    random_checkpoint(cfg, random_ckpt)
    print('3. one-pass evaluation')
    results = {}
    for name, kind, overlay in VARIANTS:
        checkpoint = trained if kind == 'trained' else random_ckpt
        tag = re.sub(r'[^a-z0-9.]+', '_', name.lower())
        cmd = [python, 'tools/test.py', CONFIG, checkpoint, '--work-dir',
               osp.join(work_dir, 'test_' + tag)]
        if overlay:
            cmd += ['--pruning', overlay]
        log = run(cmd + ['--cfg-options', *data], osp.join(work_dir, f'test_{tag}.log'),
                  args.threads)
        results[name] = sot_scores(log)
    print('4. backbone timing')
    for name, ms in backbone_times(cfg, trained, args.timing_repeats).items():
        results[name]['backbone_ms'] = ms
    with open(osp.join(work_dir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=2)
    header = f'{"variant":<24}' + ''.join(f'{m:>10}' for m in METRICS) + f'{"backbone ms":>13}'
    print('\nEvent-based SOT, generated FE108-layout sequences (4 test x 40 frames), '
          'scores in %')
    print(header)
    print('-' * len(header))
    for name, scores in results.items():
        ms = scores.get('backbone_ms')
        print(f'{name:<24}' + ''.join(f'{scores[m]:>10.1f}' for m in METRICS)
              + (f'{ms:>13.1f}' if ms is not None else f'{"-":>13}'))


if __name__ == '__main__':
    main()
