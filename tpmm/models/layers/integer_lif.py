"""I-LIF, the integer-valued spiking neuron of SDT-V3 (E-SpikeFormer)."""
import torch
from spikingjelly.activation_based import neuron, surrogate
from spikingjelly.activation_based.layer import SpikeCountToBinary, TemporalBinSum


class IntegerLIFNode(neuron.ILIFNode):
    """Multi-step I-LIF neuron: spikingjelly's :class:`ILIFNode` with the output scale of
    the E-SpikeFormer reference code.

    Integer training: at each timestep the neuron fires an integer number of spikes
    ``s[t] = clamp(round(H[t] / V_th), 0, D)`` with ``D = max_spike``, where
    ``H[t] = (1 - 1/tau) V[t-1] + X[t]`` and the soft reset ``V[t] = H[t] - s[t] V_th``
    (spikingjelly's I-LIF); the gradient is a rectangular straight-through estimate on
    ``[0, D]``. With ``T = 1`` (the published E-SpikeFormer models) this is exactly the
    reference code's ``round(clamp(x, 0, D))``.

    Output: ``s / D`` if ``normalize`` (the reference code's normalisation, so its
    weights apply unchanged; values in ``{0, 1/D, ..., 1}``), else ``s``.

    Spike-driven inference: an integer spike ``s`` is the count of ``D`` binary spikes
    on ``D`` virtual timesteps (the first ``s`` are 1). For a bias-free linear op ``W``
    (conv, linear) ``W s = sum_d W b_d``, so each binary spike costs one accumulate and
    the network computes the same values; the constant ``1 / D`` folds into the next
    layer's weights. :meth:`binary_spikes` gives that expansion and
    :meth:`from_binary_spikes` sums it back.

    Args:
        max_spike (int): ``D``, the most spikes per neuron and timestep (>= 1).
        normalize (bool): divide the output by ``D``.
        tau (float): membrane time constant; the default 4/3 (decay ``beta = 0.25``)
            is spikingjelly's I-LIF default. Irrelevant for ``T = 1``.
        v_threshold (float): firing threshold (one spike per ``v_threshold`` of drive).
    """

    def __init__(self, max_spike: int = 4, normalize: bool = True, tau: float = 4.0 / 3.0,
                 v_threshold: float = 1.0):
        if isinstance(max_spike, bool) or not isinstance(max_spike, int) or max_spike < 1:
            raise ValueError(f'max_spike must be an integer >= 1, got max_spike={max_spike!r}')
        super().__init__(tau=tau, v_threshold=v_threshold,
                         surrogate_function=surrogate.MultiLevelSpikeCount(max_spike),
                         step_mode='m')
        self.max_spike = max_spike
        self.normalize = normalize

    def scaled(self, counts: torch.Tensor) -> torch.Tensor:
        """Spike counts -> this neuron's output (``counts / D`` if normalized)."""
        return counts / self.max_spike if self.normalize else counts

    def counts(self, spikes: torch.Tensor) -> torch.Tensor:
        """This neuron's output -> integer spike counts in ``[0, D]``."""
        return torch.round(spikes * self.max_spike) if self.normalize else spikes

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        """``[T, ...]`` input current -> ``[T, ...]`` output (spike counts, scaled)."""
        return self.scaled(super().multi_step_forward(x_seq))

    def firing_estimate(self, x: torch.Tensor) -> torch.Tensor:
        """The output for one step from rest, without touching the neuron state:
        ``clamp(round(x / V_th), 0, D)``, scaled (stateless)."""
        return self.scaled(torch.clamp(torch.round(x / self.v_threshold), 0, self.max_spike))

    def binary_spikes(self, spikes: torch.Tensor) -> torch.Tensor:
        """Output ``[T, ...]`` of this neuron -> binary spikes ``[T * D, ...]``: timestep
        ``t`` becomes virtual steps ``t * D .. t * D + D - 1``, the first ``s`` of them 1."""
        return SpikeCountToBinary(self.max_spike, always_convert=True)(self.counts(spikes))

    def from_binary_spikes(self, events: torch.Tensor) -> torch.Tensor:
        """``[T * D, ...]`` -> ``[T, ...]``: sums each timestep's ``D`` virtual steps and
        scales like the neuron output. Inverse of :meth:`binary_spikes`; applied to a
        bias-free linear op's responses to the binary spikes it gives the op's response
        to this neuron's output."""
        return self.scaled(TemporalBinSum(self.max_spike, always_convert=True)(events))
