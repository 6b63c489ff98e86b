"""Every checkpoint converter takes ``--source`` and prints its whole summary in --help."""
import ast
import glob
import os.path as osp
import subprocess
import sys

import pytest

from helpers.spiking_backbone_checks import CONVERTERS

SCRIPTS = sorted(glob.glob(osp.join(CONVERTERS, '*2tpmm.py')))


def test_there_are_five_converters():
    assert [osp.basename(p) for p in SCRIPTS] == [
        'qkformer2tpmm.py', 'sdt_v1_2tpmm.py', 'sdt_v2_2tpmm.py', 'sdt_v3_2tpmm.py',
        'spikformer2tpmm.py']


@pytest.mark.parametrize('script', SCRIPTS, ids=osp.basename)
def test_help_shows_source_and_the_whole_summary(script):
    with open(script) as f:
        doc = ast.get_docstring(ast.parse(f.read()))
    first_paragraph = ' '.join(doc.split('\n\n')[0].split())
    assert first_paragraph.endswith('.')
    proc = subprocess.run([sys.executable, script, '--help'], capture_output=True, text=True,
                          check=True)
    text = ' '.join(proc.stdout.split())
    assert first_paragraph in text
    assert '--source {' in text and 'official' in text.split('--source {')[1].split('}')[0]
