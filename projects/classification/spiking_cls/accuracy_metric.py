"""Top-1 accuracy for :class:`SpikingClassifier` predictions."""
from typing import List, Sequence

from mmengine.evaluator import BaseMetric

from tpmm.registry import METRICS


@METRICS.register_module()
class Top1Accuracy(BaseMetric):
    """Percentage of samples whose ``pred_label`` equals ``gt_label``."""

    default_prefix = 'cls'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append(int(sample['pred_label'] == sample['gt_label']))

    def compute_metrics(self, results: List[int]) -> dict:
        if not results:
            raise ValueError('Top1Accuracy: no predictions were evaluated')
        return dict(top1=100.0 * sum(results) / len(results))
