"""The activation functions of the course with their derivatives and what the course says of
them (the Activation gallery lesson): sigmoid, tanh, ReLU, leaky ReLU, ELU, maxout and sign;
then those of the mobile and recent networks: ReLU6, hard sigmoid, hard swish, SiLU
and GELU.

Each ``Activation`` has a name, its formula and derivative as text, remarks, and ``f`` / ``df``
(NumPy arrays in, float64 arrays out). The values are the engine's: ``f`` runs the engine layer's
forward pass and ``df`` its backward pass with an upstream gradient of 1, so a plot shows what a
network computes. Two exceptions, said in their remarks: sign's true derivative is 0 (the engine
passes the gradient straight through), and maxout is plotted for two lines of one input x.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..engine.layers import make_layer
from ..model import KINDS

LEAKY_ALPHA = 0.01
ELU_ALPHA = 1.0
MAXOUT_LINES = ((1.0, 0.0), (-0.5, 1.0))   # max(x, −0.5x + 1): (w, b) of each piece


@dataclass(frozen=True)
class Activation:
    key: str
    name: str
    formula: str
    derivative: str
    output_range: str
    remarks: tuple
    f: Callable = field(repr=False)
    df: Callable = field(repr=False)
    kinks: tuple = ()   # where f′ jumps (no derivative there)

    def at(self, x: float) -> tuple:
        """(f(x), f′(x)) as floats."""
        return float(self.f(np.array([x]))[0]), float(self.df(np.array([x]))[0])


def _layer(type_: str, n: int = 1, **cfg):
    resolved = KINDS[type_].resolve(cfg)
    out = (n // resolved["pieces"],) if type_ == "maxout" else (n,)
    return make_layer(type_, resolved, [(n,)], out, np.float64)


def engine_functions(type_: str, **cfg) -> tuple:
    """(f, f′) of an element-wise engine layer: forward, and backward of an upstream 1."""
    layer = _layer(type_, **cfg)

    def f(x):
        x = np.asarray(x, dtype=np.float64)
        out, _cache = layer.forward(x.reshape(-1, 1).copy())
        return np.array(out, dtype=np.float64).reshape(x.shape)

    def df(x):
        x = np.asarray(x, dtype=np.float64)
        out, cache = layer.forward(x.reshape(-1, 1).copy())
        dx, _grads = layer.backward(np.ones_like(out), cache)
        return np.array(dx, dtype=np.float64).reshape(x.shape)

    return f, df


def maxout_functions(lines=MAXOUT_LINES) -> tuple:
    """(f, f′) of max(w₁x + b₁, w₂x + b₂) through the engine's maxout over the two pieces;
    f′ is the slope of the winning piece (the engine's gradient goes to it)."""
    (w1, b1), (w2, b2) = lines
    layer = _layer("maxout", 2, pieces=2)

    def pieces(x):
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        return np.stack([w1 * x + b1, w2 * x + b2], axis=1)

    def f(x):
        out, _cache = layer.forward(pieces(x))
        return np.array(out, dtype=np.float64).reshape(np.shape(x))

    def df(x):
        out, cache = layer.forward(pieces(x))
        dz, _grads = layer.backward(np.ones_like(out), cache)
        dz = np.asarray(dz)
        return (dz[:, 0] * w1 + dz[:, 1] * w2).reshape(np.shape(x))

    return f, df


def _signed(v: float) -> str:
    return f"− {abs(v):g}" if v < 0 else f"+ {v:g}"


def _line(w: float, b: float) -> str:
    """'x', '−0.5x + 1', '2x − 3'."""
    slope = {1.0: "x", -1.0: "−x", 0.0: ""}.get(w, f"{w:g}x".replace("-", "−"))
    if not slope:
        return f"{b:g}".replace("-", "−")
    return slope + (f" {_signed(b)}" if b else "")


def maxout(lines=MAXOUT_LINES) -> Activation:
    """Maxout of two lines of x (the gallery lets the student choose them)."""
    (w1, b1), (w2, b2) = lines
    f, df = maxout_functions(lines)
    kinks = () if w1 == w2 else ((b2 - b1) / (w1 - w2),)
    return Activation(
        "maxout", "Maxout",
        f"f(x) = max(w₁ᵀx + b₁, w₂ᵀx + b₂), here max({_line(w1, b1)}, {_line(w2, b2)})",
        f"f′(x) = the slope of the winning piece: {w1:g} or {w2:g}".replace("-", "−"),
        "unbounded (depends on the pieces)",
        ("Generalises ReLU (max(0, x): w₂ = 0, b₂ = 0) and leaky ReLU (max(αx, x)).",
         "Piecewise linear: no saturation and no dying.",
         "But it doubles the parameters: every unit needs two sets of weights w₁, b₁ and w₂, b₂.",
         "In the engine a maxout layer takes the max over groups of channels (its pieces)."),
        f, df, kinks)


def _all() -> tuple:
    sig_f, sig_df = engine_functions("sigmoid")
    tanh_f, tanh_df = engine_functions("tanh")
    relu_f, relu_df = engine_functions("relu")
    leaky_f, leaky_df = engine_functions("leaky_relu", alpha=LEAKY_ALPHA)
    elu_f, elu_df = engine_functions("elu", alpha=ELU_ALPHA)
    sign_f, _straight_through = engine_functions("sign")
    return _course(sig_f, sig_df, tanh_f, tanh_df, relu_f, relu_df, leaky_f, leaky_df, elu_f, elu_df,
                   sign_f) + _modern()


def _modern() -> tuple:
    """The activations of MobileNet, EfficientNet and the transformers, from the engine's layers."""
    made = {key: engine_functions(key) for key in ("relu6", "hardsigmoid", "hardswish", "silu", "gelu")}
    return (
        Activation(
            "relu6", "ReLU6", "f(x) = min(max(0, x), 6)", "f′(x) = 1 if 0 < x < 6, else 0", "[0, 6]",
            ("ReLU capped at 6: MobileNet's activation.",
             "The cap keeps activations small, so they survive low-precision (8-bit) arithmetic on phones.",
             "Like ReLU it dies for x < 0, and it also stops learning above 6."),
            *made["relu6"], (0.0, 6.0)),
        Activation(
            "hardsigmoid", "Hard sigmoid", "f(x) = relu6(x + 3)/6", "f′(x) = 1/6 if −3 < x < 3, else 0",
            "[0, 1]",
            ("A piecewise-linear sigmoid: no exp(), only a clip.",
             "MobileNetV3 uses it as the gate of its squeeze-and-excitation blocks.",
             "ONNX's HardSigmoid has slope 0.2 by default (Keras's); PyTorch's is 1/6."),
            *made["hardsigmoid"], (-3.0, 3.0)),
        Activation(
            "hardswish", "Hard swish", "f(x) = x·relu6(x + 3)/6",
            "f′(x) = 0 if x ≤ −3, x/3 + 1/2 if −3 < x < 3, 1 if x ≥ 3", "[−0.375, ∞)",
            ("Swish x·σ(x) with the hard sigmoid as the gate: cheap on a phone.",
             "Not monotonic: it dips to −3/8 at x = −1.5 before rising.",
             "MobileNetV3's activation in its deeper layers."),
            *made["hardswish"], (-3.0, 3.0)),
        Activation(
            "silu", "SiLU (swish)", "f(x) = x·σ(x)", "f′(x) = σ(x)·(1 + x·(1 − σ(x)))", "[−0.278…, ∞)",
            ("Smooth everywhere, and close to ReLU for large |x|.",
             "Not monotonic: a small dip below 0 for negative x lets a little gradient through.",
             "Found by an automatic search (Ramachandran et al. 2017); EfficientNet's activation."),
            *made["silu"]),
        Activation(
            "gelu", "GELU", "f(x) = x·Φ(x) = x·(1 + erf(x/√2))/2",
            "f′(x) = Φ(x) + x·φ(x), φ the normal density", "[−0.17…, ∞)",
            ("Weighs x by the chance that a standard normal value is below it (Hendrycks and Gimpel 2016).",
             "The activation of BERT, GPT and ConvNeXt.",
             "PyTorch also offers a tanh approximation: nn.GELU(approximate='tanh')."),
            *made["gelu"]),
    )


def _course(sig_f, sig_df, tanh_f, tanh_df, relu_f, relu_df, leaky_f, leaky_df, elu_f, elu_df, sign_f) -> tuple:
    return (
        Activation(
            "sigmoid", "Sigmoid", "σ(x) = 1 / (1 + e⁻ˣ)", "σ′(x) = σ(x)(1 − σ(x))", "(0, 1)",
            ("Squashes numbers to the range (0, 1); historically popular as a neuron's firing rate.",
             "Saturated neurons kill gradients: σ′ ≤ 0.25, and σ′ ≈ 0 when |x| is large.",
             "Outputs are not zero-centred (always positive), so the gradients of a unit's "
             "weights all have the same sign: zig-zag updates.",
             "exp() is a little costly to compute."),
            sig_f, sig_df),
        Activation(
            "tanh", "tanh", "tanh(x) = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ) = 2σ(2x) − 1", "tanh′(x) = 1 − tanh²(x)",
            "(−1, 1)",
            ("Squashes numbers to the range (−1, 1).",
             "Zero-centred (nice), but still kills gradients when saturated.",
             "A scaled sigmoid: tanh(x) = 2σ(2x) − 1."),
            tanh_f, tanh_df),
        Activation(
            "relu", "ReLU", "f(x) = max(0, x)", "f′(x) = 1 if x > 0, else 0", "[0, ∞)",
            ("Does not saturate in the positive region (x > 0).",
             "Very cheap to compute: a comparison.",
             "Converges much faster than sigmoid/tanh in practice, about 6× (Krizhevsky et al. 2012).",
             "Not zero-centred output.",
             "The “dying ReLU”: a unit whose input stays negative gets a zero gradient and never "
             "updates again (e.g. after a bad initialisation or a too large learning rate)."),
            relu_f, relu_df, (0.0,)),
        Activation(
            "leaky_relu", "Leaky ReLU", f"f(x) = max(αx, x), α = {LEAKY_ALPHA:g}",
            f"f′(x) = 1 if x > 0, else α = {LEAKY_ALPHA:g}", "(−∞, ∞)",
            ("Does not saturate, cheap, converges fast like ReLU.",
             "Will not “die”: the gradient is α, not 0, for x < 0.",
             "The parametric ReLU (PReLU) learns α by backpropagation."),
            leaky_f, leaky_df, (0.0,)),
        Activation(
            "elu", "ELU", f"f(x) = x if x > 0, else α(eˣ − 1), α = {ELU_ALPHA:g}",
            "f′(x) = 1 if x > 0, else αeˣ = f(x) + α", f"(−{ELU_ALPHA:g}, ∞)",
            ("All the benefits of ReLU, and it does not die.",
             "Outputs closer to zero mean.",
             "The negative region saturates (to −α), which adds some robustness to noise.",
             "Computing it needs exp()."),
            elu_f, elu_df, (0.0,)),
        maxout(),
        Activation(
            "sign", "Sign", "f(x) = sign(x) = +1 if x > 0, else −1",
            "f′(x) = 0 for x ≠ 0 (undefined at 0)", "{−1, +1}",
            ("The perceptron's output: a hard threshold.",
             "Its derivative is 0 almost everywhere, so gradient descent gets no signal through "
             "it: the perceptron is trained by the perceptron rule Δw = η(t − o)x instead.",
             "The engine passes the gradient straight through a sign layer (as if f′ = 1), which "
             "makes SGD on the MSE loss exactly the perceptron rule."),
            sign_f, lambda x: np.zeros(np.shape(x)), (0.0,)),
    )


ACTIVATIONS = _all()
BY_KEY = {a.key: a for a in ACTIVATIONS}
