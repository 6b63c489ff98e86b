"""Import a ``tools/`` script as a module (its ``main(argv)`` and constants), by path:
the scripts are command lines, not a package."""
import importlib.util
import os.path as osp

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool(path: str):
    """The module of ``tools/<path>`` (e.g. ``'analysis/benchmark.py'``)."""
    name = 'tool_' + osp.splitext(path)[0].replace('/', '_')
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO_ROOT, 'tools', path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
