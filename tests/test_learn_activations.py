"""The Activation gallery: every f′ matches a central difference of f away from the kinks, f and
f′ are what the engine's layers compute (and the course's closed forms), and the view plots f
and f′ with the formula, the derivative and the remarks of every activation."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from designer.engine.layers import make_layer
from designer.learn.activations import ACTIVATIONS, BY_KEY, ELU_ALPHA, LEAKY_ALPHA, maxout
from designer.model import KINDS
from ui_support import dialog_log, window  # noqa: F401

X = np.linspace(-4.0, 4.0, 161)


def _erf(x):
    import math
    return np.array([math.erf(v) for v in np.ravel(x)]).reshape(np.shape(x))


def away_from_kinks(activation, x=X, gap=1e-3):
    keep = np.ones_like(x, dtype=bool)
    for k in activation.kinks:
        keep &= np.abs(x - k) > gap
    return x[keep]


def test_the_gallery_has_the_course_activations():
    assert [a.key for a in ACTIVATIONS] == ["sigmoid", "tanh", "relu", "leaky_relu", "elu",
                                            "maxout", "sign", "relu6", "hardsigmoid", "hardswish", "silu", "gelu"]
    for a in ACTIVATIONS:
        assert a.formula and a.derivative and len(a.remarks) >= 3


@pytest.mark.parametrize("key", [a.key for a in ACTIVATIONS])
def test_derivative_matches_a_central_difference(key):
    a = BY_KEY[key]
    x = away_from_kinks(a)
    h = 1e-5
    numeric = (a.f(x + h) - a.f(x - h)) / (2 * h)
    np.testing.assert_allclose(a.df(x), numeric, atol=1e-7)


def engine(type_, x, dtype=np.float64, **cfg):
    """Forward and backward (upstream 1) of an engine layer on the column of samples x."""
    layer = make_layer(type_, KINDS[type_].resolve(cfg), [(1,)], (1,), dtype)
    out, cache = layer.forward(x.reshape(-1, 1).astype(dtype))
    dx, _ = layer.backward(np.ones_like(out), cache)
    return np.asarray(out).ravel(), np.asarray(dx).ravel()


CLOSED_FORMS = {
    "sigmoid": ({}, lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    "tanh": ({}, np.tanh, lambda x: 1 / np.cosh(x) ** 2),
    "relu": ({}, lambda x: np.maximum(0, x), lambda x: (x > 0) * 1.0),
    "leaky_relu": ({"alpha": LEAKY_ALPHA}, lambda x: np.maximum(LEAKY_ALPHA * x, x),
                   lambda x: np.where(x > 0, 1.0, LEAKY_ALPHA)),
    "elu": ({"alpha": ELU_ALPHA}, lambda x: np.where(x > 0, x, ELU_ALPHA * (np.exp(x) - 1)),
            lambda x: np.where(x > 0, 1.0, ELU_ALPHA * np.exp(x))),
    "relu6": ({}, lambda x: np.clip(x, 0, 6), lambda x: ((x > 0) & (x < 6)) * 1.0),
    # its slope is PyTorch's float32 1/6 (the engine matches PyTorch's kernel), 3e-8 from 1/6
    "hardsigmoid": ({}, lambda x: np.clip(x + 3, 0, 6) / 6, lambda x: ((x > -3) & (x < 3)) * float(np.float32(1 / 6))),
    "hardswish": ({}, lambda x: x * np.clip(x + 3, 0, 6) / 6,
                  lambda x: np.where(x <= -3, 0.0, np.where(x < 3, x / 3 + 0.5, 1.0))),
    "silu": ({}, lambda x: x / (1 + np.exp(-x)),
             lambda x: 1 / (1 + np.exp(-x)) * (1 + x * (1 - 1 / (1 + np.exp(-x))))),
    "gelu": ({}, lambda x: x * 0.5 * (1 + _erf(x / np.sqrt(2))),
             lambda x: 0.5 * (1 + _erf(x / np.sqrt(2))) + x * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)),
}
SAMPLES = np.array([-3.5, -1.0, -0.25, 0.3, 1.0, 2.75])


@pytest.mark.parametrize("key", sorted(CLOSED_FORMS))
def test_values_are_the_engines_and_the_course_formulas(key):
    cfg, f, df = CLOSED_FORMS[key]
    a = BY_KEY[key]
    out, dx = engine(key, SAMPLES, **cfg)
    np.testing.assert_allclose(a.f(SAMPLES), out, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a.df(SAMPLES), dx, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a.f(SAMPLES), f(SAMPLES), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a.df(SAMPLES), df(SAMPLES), rtol=1e-10, atol=1e-15)
    out32, dx32 = engine(key, SAMPLES, np.float32, **cfg)   # what a training net runs
    np.testing.assert_allclose(a.f(SAMPLES), out32, rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(a.df(SAMPLES), dx32, rtol=2e-6, atol=1e-7)


def test_course_facts():
    sig, tanh = BY_KEY["sigmoid"], BY_KEY["tanh"]
    assert sig.at(0.0) == (0.5, 0.25)
    assert sig.df(X).max() <= 0.25 and sig.df(np.array([10.0]))[0] < 1e-4   # saturation
    np.testing.assert_allclose(tanh.f(X), 2 * sig.f(2 * X) - 1, atol=1e-12)
    assert BY_KEY["leaky_relu"].at(-2.0) == pytest.approx((-0.02, 0.01))
    assert BY_KEY["elu"].at(-1.0) == pytest.approx((np.exp(-1) - 1, np.exp(-1)))
    assert BY_KEY["relu"].at(-2.0) == (0.0, 0.0)   # a dead unit gets no gradient


def test_sign_is_the_engines_with_its_true_derivative():
    a = BY_KEY["sign"]
    out, dx = engine("sign", SAMPLES)
    np.testing.assert_array_equal(a.f(SAMPLES), out)
    np.testing.assert_array_equal(a.f(SAMPLES), np.where(SAMPLES > 0, 1.0, -1.0))
    np.testing.assert_array_equal(a.df(SAMPLES), 0.0)   # the gallery shows the true f′ = 0 …
    np.testing.assert_array_equal(dx, 1.0)              # … the engine passes gradients straight through
    assert "straight" in " ".join(a.remarks)


def test_maxout_is_the_engines_max_of_two_lines():
    a = BY_KEY["maxout"]
    pieces = np.stack([SAMPLES, -0.5 * SAMPLES + 1], axis=1)
    layer = make_layer("maxout", {"pieces": 2}, [(2,)], (1,), np.float64)
    out, cache = layer.forward(pieces)
    dz, _ = layer.backward(np.ones_like(out), cache)
    np.testing.assert_array_equal(a.f(SAMPLES), np.asarray(out).ravel())
    np.testing.assert_array_equal(a.f(SAMPLES), np.maximum(SAMPLES, -0.5 * SAMPLES + 1))
    np.testing.assert_array_equal(a.df(SAMPLES), np.asarray(dz) @ np.array([1.0, -0.5]))
    assert a.kinks == pytest.approx((2 / 3,))
    other = maxout(((2.0, -3.0), (0.0, 0.0)))
    assert "max(2x − 3, 0)" in other.formula
    assert other.at(1.0) == (0.0, 0.0) and other.at(2.0) == (1.0, 2.0)


def data_curves(view):
    return [item for item in view.plot.getPlotItem().listDataItems()
            if isinstance(item, pg.PlotDataItem)]


def test_gallery_plots_f_and_derivative_with_the_remarks(window, qtbot):
    window.set_mode("Learn")
    view = window.learn_mode.show_lesson("activations")
    assert view.list.count() == len(ACTIVATIONS)
    for row, a in enumerate(ACTIVATIONS):
        view.list.setCurrentRow(row)
        curves = data_curves(view)
        assert curves == [view.curve_f, view.curve_df]
        for curve, fn in ((view.curve_f, a.f), (view.curve_df, a.df)):
            x, y = curve.getData()
            ok = np.isfinite(y)
            assert ok.sum() > 500
            np.testing.assert_allclose(y[ok], fn(x[ok]), atol=1e-12)
        text = view.text()
        for part in (a.formula, a.derivative, *a.remarks):
            assert part in text, (a.key, part)
        assert view.maxout_row.isVisible() == (a.key == "maxout")
    assert [label.text for _sample, label in view.legend.items] == ["f(x)", "f′(x)"]

    view.select("sigmoid")
    assert "σ′(x) = σ(x)(1 − σ(x))" in view.text()
    view.slider.setValue(250)
    assert view.readout_text == "x = 2.50:  f(x) = 0.924   f′(x) = 0.070"
    assert view.marker.value() == pytest.approx(2.5)
    view.marker.setValue(-1.0)   # dragging the line
    assert view.readout_text == "x = −1.00:  f(x) = 0.269   f′(x) = 0.197"
    assert view.slider.value() == -100

    view.select("relu")
    assert "dying ReLU" in view.text()
    assert view.readout_text == "x = −1.00:  f(x) = 0.000   f′(x) = 0.000"


def test_gallery_maxout_lines_can_be_changed(window, qtbot):
    window.set_mode("Learn")
    view = window.learn_mode.show_lesson("activations")
    view.select("maxout")
    assert "max(x, −0.5x + 1)" in view.text()
    (w1, b1), (w2, b2) = view.pieces
    w1.setValue(2.0)
    b1.setValue(-3.0)
    w2.setValue(0.0)
    b2.setValue(0.0)
    assert "max(2x − 3, 0)" in view.text() and "2 or 0" in view.text()
    x, y = view.curve_f.getData()
    ok = np.isfinite(y)
    np.testing.assert_allclose(y[ok], np.maximum(2 * x[ok] - 3, 0))
    view.set_x(2.0)
    assert view.readout_text == "x = 2.00:  f(x) = 1.000   f′(x) = 2.000"
