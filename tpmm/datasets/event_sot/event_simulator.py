"""A contrast-threshold event simulator on log intensity (the ideal DVS pixel model).

Each pixel keeps a reference log intensity. Whenever the log intensity of a new
rendered sub-frame differs from the reference by ``n >= 1`` whole thresholds ``C``, the
pixel emits ``n`` events of the sign of the change, each at the time the linearly
interpolated log intensity crosses its level, and the reference moves by ``n C``.
"""
import numpy as np


def log_intensity(rgb: np.ndarray, eps: float = 0.02) -> np.ndarray:
    """``[H, W, 3]`` uint8 -> ``[H, W]`` ``log(luma / 255 + eps)``."""
    luma = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 255.0
    return np.log(luma + eps)


class ContrastThresholdEventSimulator:
    """Turn a stream of log-intensity frames into events ``(t, x, y, p)``.

    Args:
        threshold (float): contrast threshold ``C`` (log units).
        initial (np.ndarray): ``[H, W]`` log intensity at the start time.
        t0 (float): start time (microseconds).
    """

    def __init__(self, threshold: float, initial: np.ndarray, t0: float = 0.0):
        if threshold <= 0:
            raise ValueError(f'threshold must be > 0, got {threshold}')
        self.threshold = float(threshold)
        self.reference = initial.astype(np.float64).copy()
        self.previous = self.reference.copy()
        self.t = float(t0)

    def step(self, log_frame: np.ndarray, t: float) -> np.ndarray:
        """Advance to ``log_frame`` at time ``t`` (> the previous time).

        Returns:
            ``[N, 4]`` float64 events ``(t, x, y, p)`` sorted by time, ``p`` 1 for ON
            (brighter), 0 for OFF.
        """
        if t <= self.t:
            raise ValueError(f'event simulator times must increase, got {t} after {self.t}')
        diff = log_frame - self.reference
        count = np.floor(np.abs(diff) / self.threshold).astype(np.int64)
        ys, xs = np.nonzero(count)
        events = []
        if len(ys):
            sign = np.sign(diff[ys, xs])
            start, change = self.previous[ys, xs], log_frame[ys, xs] - self.previous[ys, xs]
            ref = self.reference[ys, xs]
            for k in range(1, int(count.max()) + 1):
                fire = count[ys, xs] >= k
                level = ref[fire] + sign[fire] * k * self.threshold
                frac = np.clip((level - start[fire]) / np.where(change[fire] == 0, 1.0,
                                                                 change[fire]), 0.0, 1.0)
                times = self.t + frac * (t - self.t)
                events.append(np.stack([times, xs[fire], ys[fire],
                                        (sign[fire] > 0).astype(np.float64)], axis=1))
            self.reference[ys, xs] += sign * count[ys, xs] * self.threshold
        self.previous = log_frame.astype(np.float64).copy()
        self.t = float(t)
        if not events:
            return np.zeros((0, 4))
        events = np.concatenate(events)
        return events[np.argsort(events[:, 0], kind='stable')]
