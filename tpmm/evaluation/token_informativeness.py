"""Do the tokens a pruner keeps carry more image information than those it stops?

Three measures, each comparable across scorers at the same keep ratio:

* **Patch information** of kept vs stopped tokens: the mean *local entropy* (Shannon
  entropy of grey levels in a disk around each pixel) and the mean *gradient energy*
  (squared Sobel magnitude) of the image patch under each token, averaged over kept
  and over stopped tokens, and the AUROC of "kept" against each measure (probability
  that a kept token's patch has more information than a stopped one's: 0.5 = blind
  selection, 1.0 = the scorer keeps exactly the most informative patches).
* **Foreground recall**, when an object mask is known: the fraction of the tokens
  covering the object that are kept (a blind selection keeps ``K / N`` of them).
* **Feature error**: relative L2 distance between the pruned and the unpruned
  backbone features, ``|F_pruned - F_full| / |F_full|``; stopping uninformative tokens
  should disturb the features least.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch


def patch_information_maps(image_rgb: np.ndarray, entropy_radius: int = 4) -> Dict[str, np.ndarray]:
    """Per-pixel information maps of an RGB ``uint8`` image ``[H, W, 3]``.

    Returns ``{'entropy': [H, W], 'gradient_energy': [H, W]}`` (float64): local
    grey-level entropy in a disk of ``entropy_radius`` pixels (bits), and the squared
    Sobel gradient magnitude of the grey image in ``[0, 1]``.
    """
    from skimage import color, filters, util
    from skimage.filters.rank import entropy
    from skimage.morphology import disk
    grey = color.rgb2gray(image_rgb)
    local_entropy = entropy(util.img_as_ubyte(grey), disk(entropy_radius))
    return dict(entropy=local_entropy.astype(np.float64),
                gradient_energy=filters.sobel(grey).astype(np.float64) ** 2)


def token_means(pixel_map: np.ndarray, hw: Tuple[int, int]) -> np.ndarray:
    """Mean of an ``[H, W]`` map over each cell of an ``hw`` token grid -> ``[N]``
    (row-major, the token order of ``[T, B, C, N]``)."""
    grid_h, grid_w = hw
    height, width = pixel_map.shape
    if height % grid_h or width % grid_w:
        raise ValueError(f'image {height}x{width} does not split into a {grid_h}x{grid_w} '
                         f'token grid')
    cells = pixel_map.reshape(grid_h, height // grid_h, grid_w, width // grid_w)
    return cells.mean(axis=(1, 3)).reshape(-1)


def kept_mask(kept_index: Sequence[int], num_tokens: int) -> np.ndarray:
    """Boolean ``[N]`` mask of the kept token indices."""
    mask = np.zeros(num_tokens, dtype=bool)
    mask[np.asarray(kept_index, dtype=np.int64)] = True
    return mask


def kept_vs_stopped(values: np.ndarray, mask: np.ndarray) -> Dict[str, float]:
    """Mean of ``values`` over kept and stopped tokens, their ratio, and the AUROC
    of the kept mask as a classifier of ``values`` (NaN if all or none are kept)."""
    from sklearn.metrics import roc_auc_score
    kept, stopped = values[mask], values[~mask]
    if kept.size == 0 or stopped.size == 0:
        nan = float('nan')
        return dict(kept=float(values.mean()), stopped=nan, ratio=nan, auroc=nan)
    mean_kept, mean_stopped = float(kept.mean()), float(stopped.mean())
    return dict(kept=mean_kept, stopped=mean_stopped,
                ratio=mean_kept / mean_stopped if mean_stopped > 0 else float('inf'),
                auroc=float(roc_auc_score(mask.astype(int), values)))


def foreground_recall(mask: np.ndarray, foreground: np.ndarray) -> float:
    """Fraction of foreground tokens (``[N]`` bool) that are kept (NaN if none)."""
    total = int(foreground.sum())
    return float((mask & foreground).sum() / total) if total else float('nan')


def relative_feature_error(pruned: torch.Tensor, full: torch.Tensor) -> float:
    """``|pruned - full| / |full|`` (Frobenius norms, over the whole tensor)."""
    if pruned.shape != full.shape:
        raise ValueError(f'feature shapes differ: pruned {tuple(pruned.shape)} vs '
                         f'full {tuple(full.shape)}')
    norm = full.float().norm()
    return float((pruned.float() - full.float()).norm() / norm) if norm > 0 else float(
        (pruned.float() - full.float()).norm())


def selection_information(image_rgb: np.ndarray, kept_index: Sequence[int],
                          hw: Tuple[int, int],
                          maps: Optional[Dict[str, np.ndarray]] = None) -> Dict[str, dict]:
    """:func:`kept_vs_stopped` of every map of :func:`patch_information_maps` for
    one selection of ``kept_index`` on the ``hw`` grid of ``image_rgb``."""
    maps = patch_information_maps(image_rgb) if maps is None else maps
    mask = kept_mask(kept_index, hw[0] * hw[1])
    return {name: kept_vs_stopped(token_means(m, hw), mask) for name, m in maps.items()}
