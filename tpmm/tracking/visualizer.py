"""mmdet 3.3's tracking visualizer, able to draw the ground truth."""
from mmdet.visualization import TrackLocalVisualizer as MMDetTrackLocalVisualizer
from mmengine.structures import InstanceData

from tpmm.registry import VISUALIZERS


@VISUALIZERS.register_module()
class TrackLocalVisualizer(MMDetTrackLocalVisualizer):
    """mmdet's ``TrackLocalVisualizer`` reads track ids from ``instances_id``, which
    predictions have, while ``PackTrackInputs`` stores the ground truth's as
    ``instances_ids`` (open-mmlab/mmdetection#11873): drawing any test frame with its
    ground truth failed. The ground truth's ids are given under both names."""

    def _draw_instances(self, image, instances: InstanceData):
        if 'instances_id' not in instances and 'instances_ids' in instances:
            instances = instances.clone()
            instances.instances_id = instances.instances_ids
        return super()._draw_instances(image, instances)
