"""Synaptic operations, energy and firing rates per layer: unpruned vs pruning overlays.

    python tools/analysis/energy.py CONFIG [--pruning OVERLAY ...] [--shape H W]
        [--image NAME_OR_PATH ...] [--e-ac 0.9] [--e-mac 4.6] [--checkpoint CKPT]
        [--depth D] [--device DEV] [--cfg-options KEY=VALUE ...] [--out JSON]

Counts come from spikingjelly 2.0.0's ``op_counter`` (SynOp / AC / MAC counters and
its simple energy model) on one real forward of each variant, all with the same
weights and the same input: the ``--image`` photos (``skimage.data`` names or files,
resized to ``--shape``; spike counts depend on the input, so a photo is used rather
than noise). ``energy_pj = E_MAC * MAC + E_AC * SynOp`` is the convention of the
spiking-transformer papers; see :mod:`tpmm.evaluation.spike_energy`.

JSON keys (``--out``)::

    config, backbone, shape [H, W], images, costs {e_ac_pj, e_mac_pj}, variants
    results: {variant: {
        totals: {synop, ac, mac, energy_pj, energy_mj}   # per image
        simple_energy: {energy_total_pj, energy_compute_pj, energy_memory_pj, counts}
        layers: {module path: {synop, ac, mac, energy_pj}}     # per image, self counts
        groups: {module path at --depth: {synop, ac, mac, energy_pj}}  # summed per group
        firing_rates: {neuron layer path: {rate, spikes, neurons}}
        mean_firing_rate
        energy_ratio         # this variant's energy_pj / the unpruned energy_pj
        synop_ratio          # same for SynOps
    }}
"""
import argparse
import json
from collections import OrderedDict
from typing import Dict

import torch
from mmengine.config import DictAction

from analysis_common import (UNPRUNED, backbone_config, build_variant_backbones,
                             check_shape, image_tensor, load_config, load_image,
                             print_table)
from tpmm.evaluation import (DEFAULT_E_AC_PJ, DEFAULT_E_MAC_PJ, measure_spike_energy,
                             paper_energy_pj)

COUNT_KEYS = ('synop', 'ac', 'mac')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file with model.backbone')
    parser.add_argument('--pruning', nargs='*', default=[],
                        help='pruning overlays (paths or names under configs/_base_/pruning)')
    parser.add_argument('--shape', nargs=2, type=int, default=[224, 224], metavar=('H', 'W'))
    parser.add_argument('--image', nargs='+', default=['astronaut'],
                        help='skimage.data names or image files (one forward per image)')
    parser.add_argument('--e-ac', type=float, default=DEFAULT_E_AC_PJ, help='pJ per AC')
    parser.add_argument('--e-mac', type=float, default=DEFAULT_E_MAC_PJ, help='pJ per MAC')
    parser.add_argument('--depth', type=int, default=3,
                        help='module path depth of the grouped per-layer table')
    parser.add_argument('--checkpoint', help='weights (full model or backbone)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--out', help='write the results as JSON here')
    args = parser.parse_args(argv)
    if args.depth < 1:
        raise ValueError(f'--depth must be >= 1, got {args.depth}')
    return args


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


def run_energy(cfg, variants, args) -> dict:
    """Energy report of every variant (see the module docstring)."""
    device = torch.device(args.device)
    backbones = build_variant_backbones(backbone_config(cfg), variants, args.checkpoint,
                                        device)
    reference = backbones[UNPRUNED]
    shape = check_shape(args.shape, reference.stride, type(reference).__name__)
    inputs = image_tensor([load_image(source, shape) for source in args.image]).to(device)
    results = OrderedDict()
    for name, backbone in backbones.items():
        report = per_image(measure_spike_energy(backbone, inputs, args.e_ac, args.e_mac),
                           len(args.image))
        report['groups'] = group_layers(report['layers'], args.depth, args.e_ac,
                                        args.e_mac)
        results[name] = report
    base = results[UNPRUNED]['totals']
    for report in results.values():
        report['energy_ratio'] = report['totals']['energy_pj'] / base['energy_pj']
        report['synop_ratio'] = report['totals']['synop'] / max(base['synop'], 1)
    return dict(config=cfg.filename, backbone=type(reference).__name__, shape=list(shape),
                images=list(args.image), costs=dict(e_ac_pj=args.e_ac, e_mac_pj=args.e_mac),
                variants=list(variants), results=results)


def print_report(result: dict) -> None:
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


def main(argv=None) -> dict:
    args = parse_args(argv)
    cfg, variants = load_config(args.config, args.pruning, args.cfg_options)
    result = run_energy(cfg, variants, args)
    print_report(result)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
