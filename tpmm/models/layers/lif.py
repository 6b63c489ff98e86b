"""The LIF neuron of Spikformer, SDT-V1, QKFormer and Meta-SpikeFormer (SDT-V2)."""
from spikingjelly.activation_based import neuron


def lif(v_threshold: float = 1.0) -> neuron.LIFNode:
    """Multi-step LIF neuron: tau 2, hard reset to 0, detached reset, sigmoid surrogate."""
    return neuron.LIFNode(tau=2.0, v_threshold=v_threshold, detach_reset=True,
                          step_mode='m')
