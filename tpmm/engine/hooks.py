"""Checkpointing that survives a kill.

mmengine 0.10.7's ``CheckpointHook`` writes ``iter_N.pth`` in place and then overwrites
``last_checkpoint`` in place, and with ``max_keep_ckpts`` it deletes the oldest
checkpoint *before* writing the new one. A process killed while saving (a pre-empted
Slurm job, an out-of-memory kill) can therefore leave a truncated ``iter_N.pth``, an
empty ``last_checkpoint``, or a ``last_checkpoint`` naming a file that was already
deleted, and ``--resume`` (auto) then fails or loads garbage.

:class:`AtomicCheckpointHook` is a drop-in ``CheckpointHook`` that

* writes each checkpoint to ``<name>.partial``, flushes it to disk and renames it over
  ``<name>`` (``os.replace`` is atomic on POSIX), then replaces ``last_checkpoint`` the
  same way, and only then deletes checkpoints beyond ``max_keep_ckpts``: at every
  instant ``last_checkpoint`` names a complete file (``.partial`` files a kill left
  behind are deleted when training starts again);
* before an auto resume (``resume=True`` without ``load_from``, i.e. ``tools/train.py
  --resume``) loads the checkpoint ``last_checkpoint`` names; if it is unreadable or
  lacks what resuming needs (for instance a file written by the stock hook and cut
  short), it warns and points ``last_checkpoint`` at the newest complete checkpoint of
  the same folder.

The tpmm configs use it (``default_hooks.checkpoint.type='tpmm.AtomicCheckpointHook'``).
Non-local storage backends (``backend_args`` for petrel, ...) have no atomic rename:
there the stock behaviour is kept.
"""
import logging
import os
import os.path as osp
import re
from typing import List, Optional

from mmengine.dist import barrier, is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader, find_latest_checkpoint

from tpmm.registry import HOOKS

PARTIAL_SUFFIX = '.partial'


def replace_atomically(data: bytes, path: str) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new
    one, never a part: write a sibling temporary file, fsync it, rename it over."""
    tmp = path + PARTIAL_SUFFIX
    with open(tmp, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def checkpoint_is_resumable(path: str) -> bool:
    """Whether ``path`` loads (``weights_only``, as tpmm loads every checkpoint) and has
    what ``Runner.resume`` reads: ``meta`` with ``epoch`` and ``iter``, ``state_dict``."""
    if not osp.isfile(path):
        return False
    try:
        checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu',
                                                      logger='silent')
    except Exception:  # truncated zip, bad pickle, refused global, ...
        return False
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    return (isinstance(meta, dict) and 'epoch' in meta and 'iter' in meta
            and 'state_dict' in checkpoint)


def checkpoints_newest_first(folder: str, filename_tmpl: str) -> List[str]:
    """Files of ``folder`` named by ``filename_tmpl`` (``'iter_{}.pth'``), the highest
    step first."""
    prefix, _, suffix = filename_tmpl.partition('{}')
    pattern = re.compile(re.escape(prefix) + r'(\d+)' + re.escape(suffix) + '$')
    found = []
    for name in os.listdir(folder) if osp.isdir(folder) else []:
        match = pattern.match(name)
        if match:
            found.append((int(match.group(1)), osp.join(folder, name)))
    return [path for _, path in sorted(found, reverse=True)]


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` (same arguments) with atomic writes and a verified auto
    resume; see the module docstring."""

    def before_run(self, runner) -> None:
        super().before_run(runner)
        if not (runner.cfg.get('resume', False) and runner.cfg.get('load_from') is None):
            return
        latest = find_latest_checkpoint(runner.work_dir)
        if latest is None or checkpoint_is_resumable(latest):
            return
        fallback = self._newest_resumable(latest, runner)
        if fallback is None:
            raise RuntimeError(
                f'--resume: {osp.join(runner.work_dir, "last_checkpoint")} names {latest!r}, '
                'which is missing or incomplete, and no complete checkpoint is left next '
                'to it; remove last_checkpoint to train from scratch')
        print_log(f'Checkpoint {latest} is missing or incomplete (killed while it was '
                  f'written?); resuming from {fallback} instead.', logger='current',
                  level=logging.WARNING)
        if is_main_process():
            replace_atomically(fallback.encode(),
                               osp.join(runner.work_dir, 'last_checkpoint'))
        barrier()

    def before_train(self, runner) -> None:
        super().before_train(runner)
        # what a kill during a save left behind (never named by last_checkpoint)
        if is_main_process() and isinstance(self.file_backend, LocalBackend) \
                and osp.isdir(self.out_dir):
            for name in os.listdir(self.out_dir):
                if name.endswith(PARTIAL_SUFFIX):
                    os.remove(osp.join(self.out_dir, name))

    def _newest_resumable(self, broken: str, runner) -> Optional[str]:
        """The newest complete checkpoint next to ``broken`` (in the hook's output folder
        when ``last_checkpoint`` was left empty)."""
        folder = osp.dirname(broken)
        if not folder:
            folder = runner.work_dir
            if self.out_dir is not None and self.out_dir != runner.work_dir:
                folder = osp.join(self.out_dir, osp.basename(runner.work_dir.rstrip(osp.sep)))
        for path in checkpoints_newest_first(folder, self.filename_tmpl):
            if osp.abspath(path) != osp.abspath(broken) and checkpoint_is_resumable(path):
                return path
        return None

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_checkpoint_with_step(runner, step, meta)
        # the bookkeeping of CheckpointHook (saved in the checkpoint's message hub);
        # the outdated file is deleted only once the new one is in place
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        partial = self.last_ckpt + PARTIAL_SUFFIX
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename + PARTIAL_SUFFIX,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        with open(partial, 'rb+') as f:
            os.fsync(f.fileno())
        os.replace(partial, self.last_ckpt)
        replace_atomically(self.last_ckpt.encode(),
                           osp.join(runner.work_dir, 'last_checkpoint'))
        if outdated is not None:
            path = self.file_backend.join_path(self.out_dir,
                                               self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                self.file_backend.rmtree(path)
