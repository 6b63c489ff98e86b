"""Convert a Meta-SpikeFormer (Spike-Driven Transformer V2) checkpoint to the keys of
``tpmm.SDTV2``.

    python tools/model_converters/sdt_v2_2tpmm.py SRC DST [--classifier] [--source official]

Source layout: BICLab/Spike-Driven-Transformer-V2 ``classification/models.py``
(``Spiking_vit_MetaFormer``), also as the ``backbone.`` of a detection / segmentation
checkpoint (BICLab/Spike-Driven-Transformer-V3 ``mmdet/models/backbones/sdt.py``).
Weights wrapped in ``'model'`` / ``'state_dict'`` are unwrapped. The classifier
(``head.*``, ``head_kd.*``) and, in a detector checkpoint, everything outside
``backbone.`` are dropped. Every missing and every unknown key is named in the error.

``--classifier`` writes an mmpretrain ``ImageClassifier`` instead: the backbone
under ``backbone.`` and the official head as ``head.fc.*`` (a distilled checkpoint's
``head`` and ``head_kd`` averaged, as its evaluation does), for
``tools/test.py configs/classification/CONFIG DST``. Without it, the output
``{'state_dict': ...}`` loads with
``init_cfg=dict(type='Pretrained', checkpoint=DST)``. The reference classifier keeps
its last stage at stride 16: build ``SDTV2(..., last_stage_stride=1)`` to reproduce it
(the default 2 gives a stride-32 last level for dense heads; the weights are the same).
"""
from tpmm.models.converters import sdt_v2
from tpmm.models.converters.state_dict_conversion import convert_file, summary

if __name__ == '__main__':
    convert_file(sdt_v2.convert, summary(__doc__), sources=sdt_v2.SOURCES)
