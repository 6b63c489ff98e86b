"""Evaluate a checkpoint with an mmdet, mmseg, mmpretrain or tpmm config (mmdet's command
line).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
        [--show-dir DIR] [--pruning OVERLAY]
        [--cfg-options key=value ...] [--launcher none|pytorch]
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

import tpmm  # noqa: F401  (registries, stack fixes)
from tpmm.datasets import check_data_config
from tpmm.engine import (add_common_args, apply_common_args, check_state_dict,
                         checkpoint_state_dict, setup_cpu_distributed,
                         teardown_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save the evaluation metrics')
    parser.add_argument('--out', help='dump predictions to a pickle file (.pkl)')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument('--show-dir', help='directory where every test image is saved '
                        'with its predictions drawn')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    add_common_args(parser, 'model.backbone.pruning.keep_ratio=0.5')
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def enable_visualization(cfg: Config, args) -> None:
    """Turn on the config's visualization hook for ``--show`` / ``--show-dir``, drawing
    every test image (frame).

    mmpretrain's hook draws every image into ``out_dir`` (``<image>_<index>.png``);
    mmdet's Det / Track hooks write to ``test_out_dir``, joined to the run's
    timestamped log dir unless absolute; mmseg's hook draws through the visualizer's
    ``LocalVisBackend``, whose ``img_save_dir`` likewise takes an absolute path.
    """
    hooks = cfg.get('default_hooks', {})
    if 'visualization' not in hooks:
        raise KeyError('--show / --show-dir need a "visualization" entry in default_hooks')
    hook = hooks['visualization']
    hook_type = str(hook.get('type', ''))
    if hook_type.split('.')[-1] == 'VisualizationHook':  # mmpretrain's: enable, out_dir
        hook.update(enable=True, interval=1)
        if args.show:
            hook.update(show=True, wait_time=args.wait_time)
        if args.show_dir:
            hook['out_dir'] = osp.abspath(args.show_dir)
        return
    hook['draw'] = True
    if 'Track' in hook_type:
        hook['frame_interval'] = 1
    elif 'Seg' in hook_type:
        hook['interval'] = 1
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        show_dir = osp.abspath(args.show_dir)
        if 'Seg' in hook_type:
            backends = [b for b in cfg.visualizer.get('vis_backends') or []
                        if b.get('type') != 'LocalVisBackend']
            cfg.visualizer.vis_backends = backends + [
                dict(type='LocalVisBackend', img_save_dir=show_dir)]
        else:
            hook['test_out_dir'] = show_dir


def main():
    args = parse_args()
    cfg = apply_common_args(Config.fromfile(args.config), args)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint} not found')
    cfg.load_from = args.checkpoint
    # a test builds nothing of training (mmseg's visualization hook reads runner.iter,
    # which would otherwise build the train loop and its dataset)
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler'):
        cfg[key] = None
    if args.show or args.show_dir:
        enable_visualization(cfg, args)
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must be a .pkl or .pickle file, got {args.out}')
        cfg.test_evaluator = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) \
            else [cfg.test_evaluator]
        cfg.test_evaluator = [*cfg.test_evaluator, dict(type='DumpResults', out_file_path=args.out)]

    check_data_config(cfg, splits=('test', ))
    setup_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    check_state_dict(runner.model, checkpoint_state_dict(args.checkpoint),
                     f'checkpoint {args.checkpoint}')
    runner.test()
    teardown_distributed()


if __name__ == '__main__':
    main()
