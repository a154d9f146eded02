"""The Explain shape lesson: a layer's output size, depth, same padding and parameter count
written out with its numbers (AlexNet's conv1, LeNet-5, a 224 input's floored remainder), and the
view that follows the canvas selection and the layer's edits."""
from __future__ import annotations

from PySide6.QtCore import Qt

from designer.learn.shape import NOTHING_SELECTED, explain, first_conv
from designer.model import load_template
from ui_support import dialog_log, window  # noqa: F401

ALEXNET_W = "W₂ = ⌊(227 − 11 + 2·0)/4⌋ + 1 = ⌊54⌋ + 1 = 55"
ALEXNET_PARAMS = "(11·11·3 + 1)·96 = 34,944"


def test_alexnet_conv1_is_written_out():
    net = load_template("alexnet")
    text = explain(net, 1).text
    assert text.splitlines()[0] == "#1 conv · conv1: 227×227×3 → 55×55×96"
    for part in (ALEXNET_W, "H₂ = W₂ = 55", "D₂ = F = 96", ALEXNET_PARAMS,
                 "P = (K − 1)/2 = (11 − 1)/2 = 5",
                 "11·11·3 · 55·55·96 = 105,415,200", "about 1/4 of the input"):
        assert part in text, part
    assert "Remainder" not in text and "floored" not in text


def test_lenet5_conv_pool_and_dense():
    net = load_template("lenet5")
    conv = explain(net, first_conv(net)).text
    assert "W₂ = ⌊(28 − 5 + 2·2)/1⌋ + 1 = ⌊27⌋ + 1 = 28" in conv
    assert "(5·5·1 + 1)·6 = 156" in conv and "D₂ = F = 6" in conv
    assert "P = (K − 1)/2 = (5 − 1)/2 = 2" in conv and "(this layer uses it)" in conv
    pool = explain(net, 3).text
    assert "W₂ = ⌊(28 − 2 + 2·0)/2⌋ + 1 = ⌊13⌋ + 1 = 14" in pool
    assert "D₂ = D₁ = 6" in pool and "0 — pooling has no parameters" in pool
    assert "K = 2 is even, so no integer padding preserves the size exactly" in pool
    assert "P = 0 gives W₁ − 1 and P = 1 gives W₁ + 1" in pool
    second = explain(net, 4).text
    assert "(5·5·6 + 1)·16 = 2,416" in second
    dense = explain(net, 7).text
    assert "n_in = 5·5·16 = 400" in dense and "(n_in + 1)·units = (400 + 1)·120 = 48,120" in dense
    assert explain(net, 2).text.endswith("ReLU keeps the shape 28×28×6 and has no parameters.")


def test_a_224_input_floors_the_remainder_and_lists_the_model_fixes():
    net = load_template("alexnet")
    net.set_keys(net[0].uid, {"width": 224, "height": 224})
    text = explain(net, 1).text
    assert "W₂ = ⌊(224 − 11 + 2·0)/4⌋ + 1 = ⌊53.25⌋ + 1 = 54" in text
    assert "213 = 4·53 + 1" in text
    assert "span (54 − 1)·4 + 11 = 223 of the 224 padded columns" in text
    assert "the last 1 column and 1 row are never covered" in text
    # the model's suggestions (kinds_spatial.exact_fixes), each with the size it gives
    assert "stride 3: (224 − 11 + 2·0)/3 + 1 = 72" in text
    assert "an input of 227: (227 − 11 + 2·0)/4 + 1 = 55" in text
    assert "stride 3 or an input of 227" in net.report().layers[1].warnings[0]


def test_same_padding_odd_and_even_and_unequal_axes():
    net = load_template("lenet5")
    net.set_keys(net[1].uid, {"kernel": 3, "padding": "same"})
    text = explain(net, 1).text
    assert "P = (K − 1)/2 = (3 − 1)/2 = 1" in text and '(this layer\'s padding "same")' in text
    assert "W₂ = ⌊(28 − 3 + 2·1)/1⌋ + 1 = ⌊27⌋ + 1 = 28" in text
    net.set_keys(net[0].uid, {"width": 32, "height": 28})
    net.set_keys(net[1].uid, {"kernel": [3, 5], "stride": [1, 2], "padding": 0})
    text = explain(net, 1).text
    assert "W₂ = ⌊(32 − 5 + 2·0)/2⌋ + 1 = ⌊13.5⌋ + 1 = 14" in text
    assert "H₂ = ⌊(28 − 3 + 2·0)/1⌋ + 1 = ⌊25⌋ + 1 = 26" in text
    assert "the last 1 column is never covered" in text
    assert "(Kh·Kw·D₁ + 1)·F = (3·5·1 + 1)·6 = 96" in text
    assert net.report().layers[1].output == (14, 26, 6)


def test_every_conv_and_pool_of_the_templates_agrees_with_the_report():
    for name in ("alexnet", "lenet5"):
        net = load_template(name)
        for i, layer in enumerate(net.layers):
            ex = explain(net, i)
            info = net.report().layers[i]
            if layer.type in ("conv", "pool"):
                (w_axis, w_out), (h_axis, h_out) = ex.axes
                assert (w_out, h_out) == info.output[:2]
                assert f"= {info.output[0]}" in ex.rows[0].maths
                assert f"= {info.param_count:,}" in ex.text or info.param_count == 0


def test_layers_after_an_error_and_nothing_selected():
    net = load_template("lenet5")
    net.set_keys(net[1].uid, {"kernel": 40})
    assert "kernel 40×40 is larger than the padded input 32×32" in explain(net, 1).text
    assert "layer #1 (conv) has an error (shown in red on the canvas)" in explain(net, 2).text
    assert explain(net, None).title == NOTHING_SELECTED


def test_view_follows_the_selection_and_edits(window, qtbot):
    window.files.new_from_template("alexnet")
    window.editor.select([])
    window.set_mode("Learn")
    view = window.learn_mode.show_lesson("shape")
    assert NOTHING_SELECTED in view.text()
    assert view.first_button.isVisible()
    qtbot.mouseClick(view.first_button, Qt.MouseButton.LeftButton)
    conv1 = window.network[1].uid
    assert window.scene.selected_uids() == [conv1]
    assert not view.first_button.isVisible()
    assert view.title.text() == "#1 conv · conv1: 227×227×3 → 55×55×96"
    assert ALEXNET_W in view.text() and ALEXNET_PARAMS in view.text()
    assert view.strip.isVisible() and "fits at 55 positions, 4 apart." in view.strip.caption()

    window.editor.set_keys(window.network[0].uid, {"width": 224, "height": 224})
    assert view.title.text() == "#0 input: 224×224×3"   # an edit selects the edited layer
    window.editor.select([conv1])
    text = view.text()
    assert "⌊(224 − 11 + 2·0)/4⌋ + 1 = ⌊53.25⌋ + 1 = 54" in text
    assert "stride 3: (224 − 11 + 2·0)/3 + 1 = 72" in text
    assert "the last 1 column (red) is never covered" in view.strip.caption()

    window.editor.set_keys(conv1, {"kernel": 3, "stride": 1, "padding": 1})
    text = view.text()
    assert "P = (K − 1)/2 = (3 − 1)/2 = 1" in text and "(this layer uses it)" in text
    assert "(3·3·3 + 1)·96 = 2,688" in text
    window.undo_stack.undo()
    window.undo_stack.undo()
    window.editor.select([conv1])
    assert ALEXNET_W in view.text() and ALEXNET_PARAMS in view.text()

    qtbot.mouseClick(view.next_button, Qt.MouseButton.LeftButton)
    assert window.scene.selected_uids() == [window.network[3].uid]
    assert "D₂ = D₁ = 96" in view.text() and "0 — pooling has no parameters" in view.text()
    window.editor.select([window.network[2].uid])
    assert "ReLU keeps the shape 55×55×96 and has no parameters." in view.text()
    window.editor.select([window.network[16].uid])
    assert "(n_in + 1)·units = (9,216 + 1)·4,096 = 37,752,832" in view.text()
    assert not view.strip.isVisible()


def test_view_stops_listening_while_hidden(window, qtbot):
    window.files.new_from_template("lenet5")
    window.set_mode("Learn")
    view = window.learn_mode.show_lesson("shape")
    view.select_first()
    assert "(5·5·1 + 1)·6 = 156" in view.text()
    window.set_mode("Design")
    assert not view.live
    window.editor.set_keys(window.network[1].uid, {"filters": 8})
    assert "(5·5·1 + 1)·6 = 156" in view.text()   # not redrawn while hidden
    window.set_mode("Learn")
    view = window.learn_mode.show_lesson("shape")
    assert "(5·5·1 + 1)·8 = 208" in view.text()   # redrawn when shown again


def test_a_network_without_conv_offers_alexnet_and_explains_dense_layers(window, qtbot):
    window.files.new_from_template("perceptron")
    window.set_mode("Learn")
    view = window.learn_mode.show_lesson("shape")
    assert view.title.text() == "No layer selected" and NOTHING_SELECTED in view.text()
    assert view.template_button.isVisible() and not view.first_button.isVisible()
    assert not view.next_button.isVisible()
    dense = next(i for i, layer in enumerate(window.network.layers) if layer.type == "dense")
    window.editor.select([window.network[dense].uid])
    info = window.network.report().layers[dense]
    n_in, units = info.input[0], info.output[0]
    assert f"(n_in + 1)·units = ({n_in} + 1)·{units} = {(n_in + 1) * units}" in view.text()
    qtbot.mouseClick(view.template_button, Qt.MouseButton.LeftButton)
    assert window.network.name == "AlexNet"
    assert window.scene.selected_uids() == [window.network[1].uid]
    assert ALEXNET_PARAMS in view.text() and not view.template_button.isVisible()


def test_a_ceil_pool_says_where_its_last_window_hangs():
    from designer.model import loads
    network = loads('{"version": 2, "layers": [{"type": "input", "width": 14, "height": 14},'
                    ' {"type": "pool", "size": 3, "stride": 2, "ceil": true}]}')
    text = explain(network, 1).text
    assert "⌈(14 − 3 + 2·0)/2⌉ + 1 = ⌈5.5⌉ + 1 = 7" in text
    assert "(7 − 1)·2 + 3 = 15 > 14" in text and "hangs 1 past the padded input at the right and bottom" in text
    assert "Remainder dropped" not in text  # rounding up drops nothing


def test_the_lesson_sets_a_depthwise_conv_beside_the_full_one(window, qtbot):
    """The Learn mode's lesson shows what ``explain`` writes: a depthwise conv's numbers with
    its pointwise conv, the full convolution's and the ratio."""
    import json

    from designer.model import loads
    from test_cli_explain import SEPARABLE
    window.network.replace(loads(json.dumps(SEPARABLE)).layers)
    window.set_mode("Learn")
    view = window.learn_mode.show_lesson("shape")
    window.editor.select([window.network[1].uid])
    text = view.text()
    assert "Full conv instead" in text and "41,984 / 294,912 = 0.142" in text
    assert "the reason MobileNet exists" in text
