"""Synaptic operations, energy and firing rates of one forward, with spikingjelly.

Counting is done by spikingjelly 2.0.0's ``op_counter``: its
:class:`SimpleEnergyProfiler` runs the ``MACCounter``, ``ACCounter`` and
``SynOpCounter`` under one ``DispatchCounterMode`` (plus the neuromorphic memory
counter), on the operators that really execute, so a pruned block is counted on the
tokens it keeps. Firing rates come from forward hooks on every spikingjelly neuron
layer (``BaseNode``); spikingjelly's ``OutputMonitor`` would do the same but its
module imports tensorboard, which the stack does not ship.

Two energy figures are reported:

* ``energy_pj``: the convention of the spiking-transformer papers (Spikformer,
  SDT, QKFormer): ``E_MAC * MAC + E_AC * SynOp``, MAC for operators with real-valued
  inputs on both sides (the encoding layer), SynOp for spike-driven accumulations.
* ``simple_energy``: spikingjelly's :class:`SimpleEnergyReport` with the same unit
  costs: ``E_MAC * MAC + E_AC * AC`` (AC also counts BN and add/sub internals) plus
  logical parameter and neuron-state memory traffic.
"""
from typing import Any, Dict, Mapping

import torch
from spikingjelly.activation_based import neuron
from spikingjelly.activation_based.op_counter import (SimpleEnergyConfig,
                                                      SimpleEnergyCostConfig,
                                                      SimpleEnergyProfiler)
from spikingjelly.activation_based.op_counter.base import call_model
from torch import nn

from .flop_count import GLOBAL_SCOPE, exclusive_counts

#: Horowitz (ISSCC 2014), 45 nm, 32-bit float: energy of one accumulate / multiply-add.
DEFAULT_E_AC_PJ = 0.9
DEFAULT_E_MAC_PJ = 4.6
#: module name of a backbone's pruner (``backbone.pruner``)
PRUNER_SCOPE = 'pruner'


def _inclusive(counter) -> Dict[str, int]:
    """``{scope: count}`` of an op_counter counter, all operators summed."""
    return {scope: int(sum(ops.values())) for scope, ops in counter.get_counts().items()
            if scope != GLOBAL_SCOPE}


class FiringRateRecorder:
    """Forward hooks summing spikes and evaluated outputs of every neuron layer."""

    def __init__(self, model: nn.Module):
        self.stats: Dict[str, list] = {}
        self.handles = []
        for name, module in model.named_modules():
            if isinstance(module, neuron.BaseNode):
                self.handles.append(module.register_forward_hook(self._hook(name)))

    def _hook(self, name: str):

        def hook(module, args, output):
            spikes = output[0] if isinstance(output, tuple) else output
            stat = self.stats.setdefault(name, [0.0, 0])
            stat[0] += float(spikes.detach().float().sum().item())
            stat[1] += int(spikes.numel())

        return hook

    def close(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles.clear()


def measure_spike_energy(model: nn.Module,
                         inputs: Any,
                         e_ac_pj: float = DEFAULT_E_AC_PJ,
                         e_mac_pj: float = DEFAULT_E_MAC_PJ) -> Dict[str, Any]:
    """Run ``model`` once and count SynOps, AC, MAC, energy and firing rates.

    Args:
        model: the network (usually a spiking backbone), run without gradients.
        inputs: its input (a tuple / list is unpacked, a dict passed as keywords).
        e_ac_pj: energy of one accumulate (AC / SynOp), pJ.
        e_mac_pj: energy of one multiply-accumulate, pJ.

    Returns:
        dict with

        * ``totals``: ``synop``, ``ac``, ``mac`` counts, ``energy_pj`` (paper
          convention, see the module docstring) and ``energy_mj``; ``pruner_ac``,
          ``pruner_mac`` and ``pruner_energy_pj`` (``E_AC * AC + E_MAC * MAC``): the
          pruner's own work (scoring, fusing), which the paper convention leaves out.
        * ``simple_energy``: spikingjelly's report: ``energy_total_pj``,
          ``energy_compute_pj``, ``energy_memory_pj`` and its ``counts``.
        * ``layers``: ``{module path: {synop, ac, mac, energy_pj}}``, self counts of
          each module scope (they add up to the totals).
        * ``firing_rates``: ``{neuron layer path: {rate, spikes, neurons}}``; ``rate``
          is spikes / evaluated neuron outputs over all time steps and calls.
        * ``mean_firing_rate``: all spikes / all evaluated neuron outputs.
        * ``costs``: ``{e_ac_pj, e_mac_pj}`` used.
    """
    for name, value in (('e_ac_pj', e_ac_pj), ('e_mac_pj', e_mac_pj)):
        if not value >= 0:
            raise ValueError(f'{name} must be a non-negative energy in pJ, got {value!r}')
    config = SimpleEnergyConfig(
        cost_config=SimpleEnergyCostConfig(e_mac_pj=float(e_mac_pj), e_ac_pj=float(e_ac_pj)))
    profiler = SimpleEnergyProfiler(config=config)
    profiler.bind_model(model)
    recorder = FiringRateRecorder(model)
    try:
        with profiler, torch.no_grad():
            call_model(model, inputs)
    finally:
        recorder.close()
    report = profiler.get_report()

    counts = {key: _inclusive(counter) for key, counter in (
        ('synop', profiler.synop_counter), ('ac', profiler.ac_counter),
        ('mac', profiler.mac_counter))}
    self_counts = {key: exclusive_counts(value) for key, value in counts.items()}
    layers = {}
    for scope in sorted(set().union(*self_counts.values())):
        row = {key: int(self_counts[key].get(scope, 0)) for key in counts}
        row['energy_pj'] = paper_energy_pj(row, e_ac_pj, e_mac_pj)
        layers[scope] = row

    totals = dict(synop=int(profiler.synop_counter.get_total()),
                  ac=int(profiler.ac_counter.get_total()),
                  mac=int(profiler.mac_counter.get_total()))
    totals['energy_pj'] = paper_energy_pj(totals, e_ac_pj, e_mac_pj)
    totals['energy_mj'] = totals['energy_pj'] * 1e-9
    pruner = {key: sum(v for scope, v in self_counts[key].items()
                       if PRUNER_SCOPE in scope.split('.')) for key in counts}
    totals['pruner_ac'] = int(pruner['ac'])
    totals['pruner_mac'] = int(pruner['mac'])
    totals['pruner_energy_pj'] = float(e_ac_pj * pruner['ac'] + e_mac_pj * pruner['mac'])

    firing, all_spikes, all_neurons = {}, 0.0, 0
    for name, (spikes, neurons) in recorder.stats.items():
        firing[name] = dict(rate=spikes / max(neurons, 1), spikes=spikes, neurons=neurons)
        all_spikes += spikes
        all_neurons += neurons

    return dict(
        totals=totals,
        simple_energy=dict(energy_total_pj=report.energy_total_pj,
                           energy_compute_pj=report.energy_compute_pj,
                           energy_memory_pj=report.energy_memory_pj,
                           counts=dict(report.counts)),
        layers=layers,
        firing_rates=firing,
        mean_firing_rate=all_spikes / max(all_neurons, 1),
        costs=dict(e_ac_pj=float(e_ac_pj), e_mac_pj=float(e_mac_pj)))


def paper_energy_pj(counts: Mapping[str, float], e_ac_pj: float, e_mac_pj: float) -> float:
    """``E_MAC * mac + E_AC * synop`` in pJ."""
    return float(e_mac_pj * counts['mac'] + e_ac_pj * counts['synop'])
