"""Resolve a backbone's ``arch=`` argument: a preset name or a custom dict."""
import copy
from typing import Dict, Union


def resolve_arch(arch: Union[str, dict], arch_zoo: Dict[str, dict], owner: str) -> dict:
    """The architecture settings for ``arch``.

    Args:
        arch: a key of ``arch_zoo`` or a dict with exactly the keys every preset has.
        arch_zoo: ``{preset name: settings}``; all presets share the same keys.
        owner: class name used in error messages.

    Returns:
        A copy of the settings.

    Raises:
        ValueError: unknown preset name, or a dict with missing or unknown keys.
        TypeError: ``arch`` is neither a string nor a dict.
    """
    required = set(next(iter(arch_zoo.values())))
    if isinstance(arch, str):
        if arch not in arch_zoo:
            raise ValueError(f'{owner}: arch={arch!r} is not a preset; valid presets: '
                             f'{sorted(arch_zoo)} (or a dict with keys {sorted(required)})')
        return copy.deepcopy(arch_zoo[arch])
    if isinstance(arch, dict):
        missing = sorted(required - set(arch))
        unknown = sorted(set(arch) - required)
        if missing:
            raise ValueError(f'{owner}: custom arch dict is missing key(s) {missing}; '
                             f'it needs {sorted(required)}')
        if unknown:
            raise ValueError(f'{owner}: custom arch dict has unknown key(s) {unknown}; '
                             f'it takes {sorted(required)}')
        return copy.deepcopy(dict(arch))
    raise TypeError(f'{owner}: arch must be a preset name or a dict, got {arch!r}')
