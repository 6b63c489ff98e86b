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

import torch
from mmengine.config import DictAction

from tpmm.analysis import load_config, print_energy_report, run_energy
from tpmm.evaluation import DEFAULT_E_AC_PJ, DEFAULT_E_MAC_PJ


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


def main(argv=None) -> dict:
    args = parse_args(argv)
    cfg, variants = load_config(args.config, args.pruning, args.cfg_options)
    result = run_energy(cfg, variants, args.image, args.shape, args.e_ac, args.e_mac,
                        args.depth, args.checkpoint, args.device)
    print_energy_report(result)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
