"""The launch scripts build the right command lines (dry runs): ``tools/slurm_train.sh``
/ ``tools/slurm_test.sh`` run against a fake ``srun`` on PATH, ``tools/dist_train.sh``
/ ``tools/dist_test.sh`` against a fake interpreter (``PYTHON``); both fakes print the
arguments they were given."""
import json
import os
import os.path as osp
import stat
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FAKE = f"""#!{sys.executable}
import json, os, sys
print('FAKE ' + json.dumps(dict(argv=sys.argv[1:], pythonpath=os.environ.get('PYTHONPATH'))))
"""


def fake_program(folder, name):
    path = folder / name
    path.write_text(FAKE)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def dry_run(script, args, tmp_path, **env):
    """Run ``tools/<script>`` with ``srun`` and ``PYTHON`` faked; returns what the fake
    received (argv and PYTHONPATH)."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir(exist_ok=True)
    fake_program(bin_dir, 'srun')
    full_env = dict(os.environ, PATH=f'{bin_dir}{os.pathsep}{os.environ["PATH"]}',
                    PYTHON=env.pop('PYTHON', 'python-under-test'), **env)
    for key in ('GPUS', 'GPUS_PER_NODE', 'CPUS_PER_TASK', 'SRUN_ARGS', 'NNODES', 'NODE_RANK',
                'PORT', 'MASTER_ADDR'):
        if key not in env:
            full_env.pop(key, None)
    proc = subprocess.run(['bash', osp.join(ROOT, 'tools', script), *args], env=full_env,
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith('FAKE ')]
    assert len(lines) == 1, proc.stdout
    return json.loads(lines[0][len('FAKE '):])


SRUN_DEFAULTS = ['--gres=gpu:8', '--ntasks=8', '--ntasks-per-node=8', '--cpus-per-task=5',
                 '--kill-on-bad-exit=1']


def test_slurm_train_command_line(tmp_path):
    got = dry_run('slurm_train.sh', ['gpu', 'tpmm-det', 'configs/x.py', 'work_dirs/x',
                                     '--resume', '--cfg-options', 'model.backbone.T=2'],
                  tmp_path, GPUS='16', GPUS_PER_NODE='8', CPUS_PER_TASK='4',
                  SRUN_ARGS='--time=2:00:00 --qos=high')
    assert got['argv'] == [
        '-p', 'gpu', '--job-name=tpmm-det', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', '--cpus-per-task=4', '--kill-on-bad-exit=1',
        '--time=2:00:00', '--qos=high',
        'python-under-test', '-u', osp.join(ROOT, 'tools', 'train.py'), 'configs/x.py',
        '--work-dir=work_dirs/x', '--launcher=slurm',
        '--resume', '--cfg-options', 'model.backbone.T=2']
    assert got['pythonpath'].split(os.pathsep)[0] == ROOT


def test_slurm_test_command_line_defaults(tmp_path):
    got = dry_run('slurm_test.sh', ['part', 'tpmm-eval', 'configs/y.py', 'ckpt.pth',
                                    '--out', 'preds.pkl'], tmp_path)
    assert got['argv'] == [
        '-p', 'part', '--job-name=tpmm-eval', *SRUN_DEFAULTS,
        'python-under-test', '-u', osp.join(ROOT, 'tools', 'test.py'), 'configs/y.py',
        'ckpt.pth', '--launcher=slurm', '--out', 'preds.pkl']
    assert got['pythonpath'].split(os.pathsep)[0] == ROOT


@pytest.mark.parametrize('script,args,entry', [
    ('dist_train.sh', ['configs/x.py', '4', '--work-dir', 'w'], ['train.py', 'configs/x.py']),
    ('dist_test.sh', ['configs/x.py', 'ckpt.pth', '4', '--work-dir', 'w'],
     ['test.py', 'configs/x.py', 'ckpt.pth']),
])
def test_dist_scripts_multi_node_command_line(tmp_path, script, args, entry):
    python = fake_program(tmp_path, 'fake-python')
    got = dry_run(script, args, tmp_path, PYTHON=python, NNODES='2', NODE_RANK='1',
                  MASTER_ADDR='10.0.0.7', PORT='29611')
    assert got['argv'] == [
        '-m', 'torch.distributed.run', '--nnodes=2', '--node_rank=1',
        '--master_addr=10.0.0.7', '--nproc_per_node=4', '--master_port=29611',
        osp.join(ROOT, 'tools', entry[0]), *entry[1:], '--launcher', 'pytorch',
        '--work-dir', 'w']
    assert got['pythonpath'].split(os.pathsep)[0] == ROOT
