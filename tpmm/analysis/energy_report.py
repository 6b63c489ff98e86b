"""Synaptic operations, energy and firing rates per layer of a backbone's variants.

Counts come from spikingjelly 2.0.0's ``op_counter`` on one real forward of each
variant (:func:`tpmm.evaluation.measure_spike_energy`), all with the same weights and
the same images; the report keys are listed in ``tools/analysis/energy.py``.
"""
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import torch
from mmengine.config import Config

from tpmm.evaluation import (DEFAULT_E_AC_PJ, DEFAULT_E_MAC_PJ, measure_spike_energy,
                             paper_energy_pj)
from .images import check_shape, image_tensor, load_image
from .tables import print_table
from .variants import UNPRUNED, backbone_config, build_variant_backbones

COUNT_KEYS = ('synop', 'ac', 'mac')


def group_layers(layers: Dict[str, dict], depth: int, e_ac_pj: float,
                 e_mac_pj: float) -> Dict[str, dict]:
    """Sum per-module counts into groups named by the first ``depth`` path parts."""
    groups = OrderedDict()
    for name, row in layers.items():
        key = '.'.join(name.split('.')[:depth])
        group = groups.setdefault(key, {k: 0 for k in COUNT_KEYS})
        for k in COUNT_KEYS:
            group[k] += row[k]
    for group in groups.values():
        group['energy_pj'] = paper_energy_pj(group, e_ac_pj, e_mac_pj)
    return groups


def per_image(report: dict, num_images: int) -> dict:
    """Divide the counts of a report over a batch by the number of images."""
    def scale(row):
        return {k: (v / num_images if isinstance(v, (int, float)) and k != 'rate' else v)
                for k, v in row.items()}
    report = dict(report)
    report['totals'] = scale(report['totals'])
    report['layers'] = {k: scale(v) for k, v in report['layers'].items()}
    return report


def run_energy(cfg: Config, variants: Dict[str, Optional[dict]], images: Sequence[str],
               shape: Sequence[int] = (224, 224), e_ac_pj: float = DEFAULT_E_AC_PJ,
               e_mac_pj: float = DEFAULT_E_MAC_PJ, depth: int = 3,
               checkpoint: Optional[str] = None, device: str = 'cpu') -> dict:
    """Energy report of every variant on ``images`` (``skimage.data`` names or files)
    resized to ``shape`` ``(H, W)``; ``depth`` sets the grouped per-layer table."""
    device = torch.device(device)
    backbones = build_variant_backbones(backbone_config(cfg), variants, checkpoint, device)
    reference = backbones[UNPRUNED]
    shape = check_shape(shape, reference.stride, type(reference).__name__)
    inputs = image_tensor([load_image(source, shape) for source in images]).to(device)
    results = OrderedDict()
    for name, backbone in backbones.items():
        report = per_image(measure_spike_energy(backbone, inputs, e_ac_pj, e_mac_pj),
                           len(images))
        report['groups'] = group_layers(report['layers'], depth, e_ac_pj, e_mac_pj)
        results[name] = report
    base = results[UNPRUNED]['totals']
    for report in results.values():
        report['energy_ratio'] = report['totals']['energy_pj'] / base['energy_pj']
        report['synop_ratio'] = report['totals']['synop'] / max(base['synop'], 1)
    return dict(config=cfg.filename, backbone=type(reference).__name__, shape=list(shape),
                images=list(images), costs=dict(e_ac_pj=e_ac_pj, e_mac_pj=e_mac_pj),
                variants=list(variants), results=results)


def print_energy_report(result: dict) -> None:
    """Print the grouped layers, the totals and the firing rates of a :func:`run_energy`
    report."""
    names = result['variants']
    groups = list(result['results'][UNPRUNED]['groups'])
    rows = []
    for group in groups:
        row = [group]
        for name in names:
            g = result['results'][name]['groups'].get(group, dict(synop=0, energy_pj=0))
            row += [g['synop'] / 1e6, g['energy_pj'] / 1e6]
        rows.append(row)
    total = ['total']
    for name in names:
        t = result['results'][name]['totals']
        total += [t['synop'] / 1e6, t['energy_pj'] / 1e6]
    rows.append(total)
    headers = ['layer group'] + [f'{n} {k}' for n in names for k in ('MSOP', 'uJ')]
    print_table(f'{result["backbone"]}: SynOps and energy per image '
                f'(E_AC={result["costs"]["e_ac_pj"]} pJ, E_MAC={result["costs"]["e_mac_pj"]} pJ)',
                headers, rows)
    rows = []
    for name in names:
        r = result['results'][name]
        rows.append([name, r['totals']['synop'] / 1e6, r['totals']['mac'] / 1e6,
                     r['totals']['energy_pj'] / 1e6, r['energy_ratio'],
                     r['simple_energy']['energy_total_pj'] / 1e6, r['mean_firing_rate']])
    print_table('totals', ['variant', 'MSOP', 'MMAC', 'energy uJ', 'energy ratio',
                           'simple-energy uJ (incl. memory)', 'mean firing rate'], rows)
    rows = [[layer] + [result['results'][n]['firing_rates'].get(layer, {}).get('rate', '-')
                       for n in names]
            for layer in result['results'][UNPRUNED]['firing_rates']]
    print_table('firing rate per neuron layer', ['neuron layer'] + names, rows)
