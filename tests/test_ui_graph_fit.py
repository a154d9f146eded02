"""Fitting a long branched network in the window (View ▸ Fit to window): GoogLeNet imported from
ONNX. Its inception stacks cannot be cut into bands (four edges cross between two blocks), so
they set the drawing's height whatever the band depth; the stem then goes in one band as deep
as they are, not wrapped into many two-row bands beside them."""
from __future__ import annotations

import pytest

pytest.importorskip("onnx")

from designer.model.graph import sources  # noqa: E402
from onnx_support import light  # noqa: E402
from ui_support import dialog_log, window  # noqa: E402, F401


def test_fitting_googlenet_keeps_its_stem_in_one_band(window):  # noqa: F811
    assert window.open_model(str(light("inception_v1")))
    network = window.network
    assert len(network.layers) == 144 and window.scene.is_graph
    window.canvas.fit()
    srcs = sources(network.layers)
    readers = [sum(i in ss for ss in srcs) for i in range(len(srcs))]
    stem = range(readers.index(4) + 1)        # up to the pool that feeds inception 3a
    assert len(stem) == 11
    xs = {window.scene.block_at_index(i).pos().x() for i in stem}
    assert len(xs) == 1, sorted(xs)
    # one band for the stem with inception 3a and 3b, one for 4a–4e, one for 5a, 5b and the head
    spine = {window.scene.block_at_index(i).pos().x() for i, layer in enumerate(network.layers)
             if layer.type == "concat"}
    assert len(spine) == 3
    window.undo_stack.clear()
