"""Hooks that the engine tests add to ``tools/train.py`` runs (``custom_imports`` of
this module; the tests put its folder on the subprocess' PYTHONPATH).

* ``RecordTrainingHook`` appends, per iteration, the images of the batch (id and flip),
  the learning rate and the losses to ``<work_dir>/record_rank<rank>.jsonl``.
* ``FreezeBatchNormHook`` puts every batch-norm layer in eval mode before each
  iteration: it normalises with its running statistics and does not update them, so the
  result does not depend on how a batch is split over processes.
* ``KillHook`` SIGKILLs its own process: once iteration ``after_iter`` has updated the
  weights (before any checkpoint of it), or half-way through writing the checkpoint of
  iteration ``during_save``.
"""
import json
import os
import os.path as osp
import signal

from mmengine.dist import get_rank
from mmengine.fileio import LocalBackend
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from torch.nn.modules.batchnorm import _BatchNorm


@HOOKS.register_module()
class RecordTrainingHook(Hook):
    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._batch = [dict(img_id=int(s.img_id), flip=bool(s.metainfo.get('flip', False)))
                       for s in data_batch['data_samples']]

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        record = dict(iter=runner.iter + 1, batch=self._batch,
                      lr=runner.optim_wrapper.get_lr()['lr'],
                      losses={k: float(v) for k, v in outputs.items()})
        with open(osp.join(runner.work_dir, f'record_rank{get_rank()}.jsonl'), 'a') as f:
            f.write(json.dumps(record) + '\n')


@HOOKS.register_module()
class FreezeBatchNormHook(Hook):
    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        for module in runner.model.modules():
            if isinstance(module, _BatchNorm):
                module.eval()


@HOOKS.register_module()
class KillHook(Hook):
    # after the CheckpointHook (VERY_LOW = 90), so 'after_iter' dies before the next save
    priority = 'LOWEST'

    def __init__(self, after_iter=None, during_save=None):
        self.after_iter = after_iter
        self.during_save = during_save

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.after_iter is not None and runner.iter + 1 == self.after_iter:
            os.kill(os.getpid(), signal.SIGKILL)

    def before_save_checkpoint(self, runner, checkpoint):
        if checkpoint['meta']['iter'] != self.during_save:
            return

        def write_half_and_die(backend, obj, filepath):
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 2])
                f.flush()
                os.fsync(f.fileno())
            os.kill(os.getpid(), signal.SIGKILL)

        LocalBackend.put = write_half_and_die
