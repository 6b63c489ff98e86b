"""Convert an E-SpikeFormer (Spike-Driven Transformer V3) checkpoint to the keys of
``tpmm.SDTV3``.

    python tools/model_converters/sdt_v3_2tpmm.py SRC DST [--classifier] [--source official]

Source layout: BICLab/Spike-Driven-Transformer-V3
``SDT_V3/Classification/Model_Base/models.py``
(``Spiking_vit_MetaFormer_Spike_SepConv``, the 5.1M / 10M / 19M models), also as the
``backbone.`` of a detection checkpoint (``mmdet/models/backbones/sdeformer.py``).
Weights wrapped in ``'model'`` / ``'state_dict'`` are unwrapped; the classifier
(``head.*``, ``head_kd.*``) and, in a detector checkpoint, everything outside
``backbone.`` are dropped. Every missing and every unknown key is named in the error.
The 83M / 173M ``Model_Large`` models have another layout and are refused.

``--classifier`` writes an mmpretrain ``ImageClassifier`` instead: the backbone
under ``backbone.`` and the official head as ``head.fc.*`` (a distilled checkpoint's
``head`` and ``head_kd`` averaged, as its evaluation does), for
``tools/test.py configs/classification/CONFIG DST``. Without it, the output
``{'state_dict': ...}`` loads with
``init_cfg=dict(type='Pretrained', checkpoint=DST)``; use ``max_spike=4`` (and
``last_stage_stride=1`` to reproduce the reference classifier's stride-16 last stage).
"""
from tpmm.models.converters import sdt_v3
from tpmm.models.converters.state_dict_conversion import convert_file, summary

if __name__ == '__main__':
    convert_file(sdt_v3.convert, summary(__doc__), sources=sdt_v3.SOURCES)
