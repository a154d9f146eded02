"""Writes designer/model/templates/efficientnet_b0.json and the benchmark suite's MobileNetV2 for
32×32×3 (bench/designs/mobilenet-v2-cifar.json).

efficientnet_b0: torchvision's ``efficientnet_b0`` (Tan & Le
2019, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks", Table 1, as
torchvision.models.efficientnet builds it with width and depth 1.0): a 3×3 stride-2 stem of 32
filters, sixteen MBConv blocks in seven stages, a 1×1 conv to 1280, average pool, dropout 0.2
and a 1000-way classifier; 224×224×3 → 1000, 5,288,548 parameters.

An MBConv block: a 1×1 expansion conv (skipped when the ratio is 1), a K×K depthwise conv, a
squeeze-and-excitation (average pool, 1×1 conv to in/4 channels, SiLU, 1×1 conv back, sigmoid,
``mul`` with the depthwise output), a 1×1 projection without activation, and the input added
back when the stride is 1 and the depth unchanged (torchvision's stochastic depth is the
identity in evaluation, so the design has none). Every conv but the SE's has no bias and a
batchnorm; names follow torchvision's modules (``features.2.0.block.1.0``) so that weights map
by name.

mobilenet-v2-cifar: torchvision's ``mobilenet_v2`` (Sandler et al. 2018, Table 2; width 1.0) with
10 classes and the strides CIFAR versions use for 32×32 inputs (the stem and the 24-channel
stage at stride 1, so the last maps are 4×4, not 1×1): inverted residuals of 1×1 expansion ×6
(none in the first), 3×3 depthwise, 1×1 linear projection, batchnorm and ReLU6, the input added
back where the stride is 1 and the depth unchanged; 2,236,682 parameters, torchvision's count.

Rerun after changing a design: ``python tools/make_modern_templates.py``.
"""
from __future__ import annotations

from make_templates import OUT, conv, dumps

BENCH = OUT.parent.parent.parent / "bench" / "designs"

# (expand ratio, kernel, stride, input channels, output channels, layers): torchvision's
# _efficientnet_conf("efficientnet_b0", width_mult=1.0, depth_mult=1.0)
STAGES = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
          (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]


def make_divisible(v: float, divisor: int = 8) -> int:
    """torchvision's _make_divisible: the nearest multiple of 8, never 10 % below ``v``."""
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


def conv_bn_act(prefix: str, filters: int, kernel: int, stride: int = 1, groups: int = 1, act: bool = True,
                activation: str = "silu", **meta) -> list:
    """torchvision's Conv2dNormActivation: conv (no bias, padding (K − 1)/2), batchnorm, SiLU (or ``activation``)."""
    c = conv(filters, kernel, stride, (kernel - 1) // 2, name=f"{prefix}.0")
    if groups != 1:
        c["groups"] = groups
    layers = [{**c, **meta.pop("conv_meta", {})}, {"type": "batchnorm", "name": f"{prefix}.1", **meta}]
    if act:
        layers.append({"type": activation})
    return layers


def mbconv(prefix: str, block_in: str, expand: int, kernel: int, stride: int, c_in: int, c_out: int) -> list:
    """One MBConv block reading the layer with id ``block_in``; its output gets the id ``prefix``."""
    expanded = make_divisible(c_in * expand)
    squeeze = max(1, c_in // 4)
    layers, part = [], 0
    if expanded != c_in:
        layers += conv_bn_act(f"{prefix}.block.0", expanded, 1, conv_meta={"inputs": [block_in]})
        part = 1
    dw = conv_bn_act(f"{prefix}.block.{part}", expanded, kernel, stride, groups=expanded,
                     conv_meta={} if part else {"inputs": [block_in]})
    dw[-1]["id"] = f"{prefix}.dw"
    layers += dw
    se = f"{prefix}.block.{part + 1}"
    layers += [{"type": "global_pool", "mode": "avg", "name": f"{se}.avgpool"},
               conv(squeeze, 1, bias=True, name=f"{se}.fc1"), {"type": "silu"},
               conv(expanded, 1, bias=True, name=f"{se}.fc2"), {"type": "sigmoid", "id": f"{prefix}.se"},
               {"type": "mul", "inputs": [f"{prefix}.dw", f"{prefix}.se"]}]
    project = conv_bn_act(f"{prefix}.block.{part + 2}", c_out, 1, act=False)
    if stride == 1 and c_in == c_out:
        project[-1]["id"] = f"{prefix}.project"
        layers += project + [{"type": "add", "inputs": [f"{prefix}.project", block_in], "id": prefix}]
    else:
        project[-1]["id"] = prefix
        layers += project
    return layers


def efficientnet_b0() -> dict:
    layers = [{"type": "input", "width": 224, "height": 224, "depth": 3}]
    stem = conv_bn_act("features.0", 32, 3, 2)
    stem[-1]["id"] = "features.0"
    layers += stem
    previous = "features.0"
    for s, (expand, kernel, stride, c_in, c_out, repeats) in enumerate(STAGES, 1):
        for b in range(repeats):
            name = f"features.{s}.{b}"
            layers += mbconv(name, previous, expand, kernel, stride if b == 0 else 1, c_in if b == 0 else c_out, c_out)
            previous = name
    layers += conv_bn_act("features.8", 1280, 1)
    layers += [{"type": "global_pool", "mode": "avg", "name": "avgpool"},
               {"type": "flatten"},
               {"type": "dropout", "rate": 0.2, "name": "classifier.0"},
               {"type": "dense", "units": 1000, "name": "classifier.1"},
               {"type": "softmax"}]
    return {"name": "EfficientNet-B0", "layers": _drop_unread_ids(layers)}


# (expand ratio t, output channels c, repeats n, first stride s): torchvision's
# inverted_residual_setting, with CIFAR's stride 1 for the 24-channel stage
MOBILENET_CIFAR = [(1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                   (6, 160, 3, 2), (6, 320, 1, 1)]


def inverted_residual(prefix: str, block_in: str, expand: int, stride: int, c_in: int, c_out: int) -> list:
    """torchvision's InvertedResidual reading ``block_in``; its output gets the id ``prefix``."""
    hidden = round(c_in * expand)
    layers, part = [], 0
    if expand != 1:
        layers += conv_bn_act(f"{prefix}.conv.0", hidden, 1, activation="relu6", conv_meta={"inputs": [block_in]})
        part = 1
    layers += conv_bn_act(f"{prefix}.conv.{part}", hidden, 3, stride, groups=hidden, activation="relu6",
                          conv_meta={} if part else {"inputs": [block_in]})
    project = conv(c_out, 1, name=f"{prefix}.conv.{part + 1}")
    norm = {"type": "batchnorm", "name": f"{prefix}.conv.{part + 2}"}
    if stride == 1 and c_in == c_out:
        return layers + [project, {**norm, "id": f"{prefix}.project"},
                         {"type": "add", "inputs": [f"{prefix}.project", block_in], "id": prefix}]
    return layers + [project, {**norm, "id": prefix}]


def mobilenet_v2_cifar() -> dict:
    layers = [{"type": "input", "width": 32, "height": 32, "depth": 3}]
    stem = conv_bn_act("features.0", 32, 3, 1, activation="relu6")
    stem[-1]["id"] = "features.0"
    layers += stem
    previous, c_in, index = "features.0", 32, 1
    for expand, c_out, repeats, stride in MOBILENET_CIFAR:
        for b in range(repeats):
            name = f"features.{index}"
            layers += inverted_residual(name, previous, expand, stride if b == 0 else 1, c_in, c_out)
            previous, c_in, index = name, c_out, index + 1
    layers += conv_bn_act(f"features.{index}", 1280, 1, activation="relu6")
    layers += [{"type": "global_pool", "mode": "avg"},
               {"type": "flatten"},
               {"type": "dropout", "rate": 0.2, "name": "classifier.0"},
               {"type": "dense", "units": 10, "name": "classifier.1"},
               {"type": "softmax"}]
    return {"name": "MobileNetV2 (32×32×3, width 1.0)", "layers": _drop_unread_ids(layers)}


def _drop_unread_ids(layers: list) -> list:
    """No ``inputs`` that name just the layer before (the file's default), and an id only where
    some layer still reads it by its id."""
    plain = []
    for before, layer in zip([None] + layers, layers):
        if before is not None and layer.get("inputs") == [before.get("id")]:
            layer = {k: v for k, v in layer.items() if k != "inputs"}
        plain.append(layer)
    read = {src for layer in plain for src in layer.get("inputs", [])}
    return [{k: v for k, v in layer.items() if k != "id" or v in read} for layer in plain]


def main() -> None:
    (OUT / "efficientnet_b0.json").write_text(dumps(efficientnet_b0()), encoding="utf-8")
    (BENCH / "mobilenet-v2-cifar.json").write_text(dumps(mobilenet_v2_cifar()), encoding="utf-8")


if __name__ == "__main__":
    main()
