"""requirements/constraints.txt: the versions ``make setup`` installs.

It pins every requirement with a version the requirement allows, only as plain
``name==version`` lines (pip refuses URLs and editables in a constraints file), every
``pip install -r requirements/...`` of scripts/setup_env.sh passes it with ``-c``, and
the environment the tests run in holds exactly the pinned versions.
"""
import os.path as osp
import re
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REQUIREMENTS = ('torch.txt', 'spikingjelly.txt', 'runtime.txt', 'tests.txt')


def lines(name):
    with open(osp.join(ROOT, 'requirements', name)) as f:
        return [line.split('#')[0].strip() for line in f if line.split('#')[0].strip()]


def pins():
    found = {}
    for line in lines('constraints.txt'):
        match = re.fullmatch(r'([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)', line)
        assert match, f'not a name==version pin: {line!r}'
        name = canonicalize_name(match.group(1))
        assert name not in found, f'{name} pinned twice'
        found[name] = match.group(2)
    return found


def test_constraints_pin_every_requirement_with_an_allowed_version():
    pinned = pins()
    assert 'tpmm' not in pinned
    for name in REQUIREMENTS:
        for line in lines(name):
            req = Requirement(line)
            key = canonicalize_name(req.name)
            assert key in pinned, f'{req.name} ({name}) is not pinned'
            assert req.specifier.contains(pinned[key], prereleases=True), \
                f'{req.name}: pin {pinned[key]} outside {req.specifier} ({name})'


def test_mmcv_pin_is_the_version_setup_builds():
    with open(osp.join(ROOT, 'scripts', 'setup_env.sh')) as f:
        script = f.read()
    built = re.search(r'^MMCV_VERSION=(\S+)$', script, re.M).group(1)
    assert pins()['mmcv'] == built


def test_setup_installs_every_requirements_file_with_the_constraints():
    with open(osp.join(ROOT, 'scripts', 'setup_env.sh')) as f:
        script = f.read().replace('\\\n', ' ')
    assert 'PIN=(-c "${CONSTRAINTS}")' in script
    assert 'CONSTRAINTS="${ROOT}/requirements/constraints.txt"' in script
    installs = [line for line in script.splitlines() if re.search(r'\binstall\b.*-r ', line)]
    named = set()
    for line in installs:
        assert '${PIN[@]' in line, f'installed without the constraints: {line.strip()}'
        named.update(re.findall(r'requirements/([\w.-]+\.txt)', line))
    assert named == set(REQUIREMENTS)


def test_installed_versions_are_the_pinned_ones():
    """What ``make setup`` installed; pins of packages absent here (platform-specific
    dependencies of another machine) are not checked."""
    wrong, present = [], 0
    for name, version in pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        present += 1
        if installed != version:
            wrong.append(f'{name} {installed} (pinned {version})')
    assert not wrong, wrong
    assert present >= len(pins()) * 0.9
