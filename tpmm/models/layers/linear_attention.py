"""Multi-head linear attention on spike tensors in the token layout."""
import torch


def multi_head_linear_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                                num_heads: int, scale: float) -> torch.Tensor:
    """``scale * Q (K^T V)`` per head, without softmax (spike-driven attention).

    Channels split into heads in order (head ``h`` owns channels ``h * d ... h * d + d - 1``).
    ``K^T V`` is formed first, so the cost is linear in the number of tokens and the
    result for a token depends on the other tokens only through the ``K^T V`` sum.

    Args:
        q, k: ``[T, B, C, K]``.
        v: ``[T, B, C_v, K]``.
        num_heads (int): divides ``C`` and ``C_v``.
        scale (float): output scale.

    Returns:
        ``[T, B, C_v, K]``.
    """
    t, b, c, n = q.shape
    cv = v.shape[2]
    q = q.reshape(t, b, num_heads, c // num_heads, n).transpose(-1, -2)
    k = k.reshape(t, b, num_heads, c // num_heads, n)
    v = v.reshape(t, b, num_heads, cv // num_heads, n).transpose(-1, -2)
    out = (q @ (k @ v)) * scale  # [T, B, heads, K, C_v / heads]
    return out.transpose(-1, -2).reshape(t, b, cv, n)
