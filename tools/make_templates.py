"""Writes the branched templates (designer/model/templates/resnet18.json, resnet20.json,
inception.json, mobilenet_v2.json) from their published designs. The JSON files are what ships; rerun this after
changing a design here: ``python tools/make_templates.py``.

- resnet18: torchvision's ``resnet18`` (He et al. 2016, "Deep Residual Learning for Image
  Recognition", Table 1, 18 layers): bias-free convs, batchnorm, 1×1 projection shortcuts
  (torchvision's ``downsample``) where a stage halves the size; 224×224×3 → 1000.
- resnet20: He et al. 2016 §4.2, the CIFAR-10 network with n = 3 (6n + 2 = 20 layers): 16, 32
  and 64 filters on 32×32, 16×16 and 8×8 maps, 1×1 projection shortcuts where the shape changes
  (the paper's option B); 32×32×3 → 10.
- inception: GoogLeNet's inception (3a) (Szegedy et al. 2014, "Going Deeper with Convolutions",
  Table 1): 28×28×192 → 28×28×256 through 1×1 64; 1×1 96 → 3×3 128; 1×1 16 → 5×5 32; 3×3 max
  pool → 1×1 32, each conv with a bias and a ReLU.
- mobilenet_v2: torchvision's ``mobilenet_v2`` (width 1.0; Sandler et al. 2018, "MobileNetV2:
  Inverted Residuals and Linear Bottlenecks", Table 2): a 3×3 stride-2 stem of 32, 17 inverted
  residual blocks (1×1 expansion by t with ReLU6 — none when t = 1 —, a 3×3 depthwise conv,
  groups = channels, with ReLU6, a linear 1×1 projection; the input added back where the shape
  stays), a 1×1 conv to 1280, global average pool, dropout 0.2 and a dense 1000; 224×224×3 →
  1000, 3,504,872 parameters. Layer names are torchvision's module names.
"""
from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "designer" / "model" / "templates"


def conv(filters, kernel, stride=1, padding=0, bias=False, **meta):
    out = {"type": "conv", **meta, "filters": filters, "kernel": kernel}
    if stride != 1:
        out["stride"] = stride
    if padding:
        out["padding"] = padding
    if not bias:
        out["bias"] = False
    return out


def basic_block(prefix: str, block_in: str, filters: int, stride: int, project: bool) -> list:
    """A ResNet basic block (two 3×3 convs) reading the layer with id ``block_in``; its output
    (the ReLU after the add) gets the id ``prefix``."""
    layers = [
        conv(filters, 3, stride, 1, name=f"{prefix}.conv1"),
        {"type": "batchnorm", "name": f"{prefix}.bn1"},
        {"type": "relu"},
        conv(filters, 3, 1, 1, name=f"{prefix}.conv2"),
        {"type": "batchnorm", "id": f"{prefix}.bn2", "name": f"{prefix}.bn2"},
    ]
    shortcut = block_in
    if project:
        layers += [conv(filters, 1, stride, inputs=[block_in], name=f"{prefix}.downsample.0"),
                   {"type": "batchnorm", "id": f"{prefix}.downsample", "name": f"{prefix}.downsample.1"}]
        shortcut = f"{prefix}.downsample"
    layers += [{"type": "add", "inputs": [f"{prefix}.bn2", shortcut]},
               {"type": "relu", "id": prefix}]
    return layers


def resnet(stem: list, stages: list, blocks: int, classes: int, prefix: str = "layer") -> list:
    layers = list(stem)
    previous, depth = "stem", stages[0]
    layers[-1]["id"] = previous
    for s, filters in enumerate(stages):
        for b in range(blocks):
            stride = 2 if b == 0 and s > 0 else 1
            name = f"{prefix}{s + 1}.{b}"
            layers += basic_block(name, previous, filters, stride, stride != 1 or filters != depth)
            previous, depth = name, filters
    return layers + [{"type": "global_pool", "mode": "avg", "name": "avgpool"},
                     {"type": "flatten"},
                     {"type": "dense", "units": classes, "name": "fc"},
                     {"type": "softmax"}]


def resnet18() -> dict:
    stem = [{"type": "input", "width": 224, "height": 224, "depth": 3},
            conv(64, 7, 2, 3, name="conv1"), {"type": "batchnorm", "name": "bn1"}, {"type": "relu"},
            {"type": "pool", "mode": "max", "size": 3, "stride": 2, "padding": 1, "name": "maxpool"}]
    return {"name": "ResNet-18", "layers": resnet(stem, [64, 128, 256, 512], 2, 1000)}


def resnet20() -> dict:
    stem = [{"type": "input", "width": 32, "height": 32, "depth": 3},
            conv(16, 3, 1, 1, name="conv1"), {"type": "batchnorm", "name": "bn1"}, {"type": "relu"}]
    return {"name": "ResNet-20 (CIFAR-10)", "layers": resnet(stem, [16, 32, 64], 3, 10)}


def inception() -> dict:
    relu = {"type": "relu"}
    layers = [
        {"type": "input", "id": "x", "width": 28, "height": 28, "depth": 192},
        conv(64, 1, bias=True, name="1x1"), {**relu, "id": "b1"},
        conv(96, 1, bias=True, inputs=["x"], name="3x3 reduce"), relu,
        conv(128, 3, padding=1, bias=True, name="3x3"), {**relu, "id": "b2"},
        conv(16, 1, bias=True, inputs=["x"], name="5x5 reduce"), relu,
        conv(32, 5, padding=2, bias=True, name="5x5"), {**relu, "id": "b3"},
        {"type": "pool", "inputs": ["x"], "mode": "max", "size": 3, "stride": 1, "padding": 1,
         "name": "pool"},
        conv(32, 1, bias=True, name="pool proj"), {**relu, "id": "b4"},
        {"type": "concat", "inputs": ["b1", "b2", "b3", "b4"], "name": "output"},
    ]
    return {"name": "Inception (3a)", "layers": layers}


def _conv_bn(name: str, filters: int, kernel: int, stride: int = 1, groups: int = 1, act: bool = True,
             **meta) -> list:
    """torchvision's Conv2dNormActivation: a bias-free conv, batchnorm and ReLU6 (the projection
    of an inverted residual has no activation: its bottleneck is linear)."""
    c = conv(filters, kernel, stride, (kernel - 1) // 2, name=f"{name}.0" if act else name, **meta)
    if groups != 1:
        c["groups"] = groups
    layers = [c, {"type": "batchnorm", "name": f"{name}.1"}]
    return layers + ([{"type": "relu6"}] if act else [])


def inverted_residual(index: int, block_in: str, inp: int, oup: int, stride: int, t: int) -> list:
    """MobileNetV2's block ``features.{index}`` reading the layer with id ``block_in``; its output
    gets the id ``features.{index}``."""
    hidden, prefix = inp * t, f"features.{index}.conv"
    layers, k = [], 0
    if t != 1:
        layers += _conv_bn(f"{prefix}.0", hidden, 1)
        k = 1
    layers += _conv_bn(f"{prefix}.{k}", hidden, 3, stride, groups=hidden)
    project = conv(oup, 1, name=f"{prefix}.{k + 1}")
    layers += [project, {"type": "batchnorm", "name": f"{prefix}.{k + 2}"}]
    if stride == 1 and inp == oup:
        layers[-1]["id"] = f"{prefix}.{k + 2}"
        layers.append({"type": "add", "inputs": [block_in, f"{prefix}.{k + 2}"]})
    layers[-1]["id"] = f"features.{index}"
    return layers


def mobilenet_v2() -> dict:
    layers = [{"type": "input", "width": 224, "height": 224, "depth": 3}, *_conv_bn("features.0", 32, 3, 2)]
    layers[-1]["id"] = "features.0"
    previous, channels, index = "features.0", 32, 1
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)):
        for i in range(n):
            layers += inverted_residual(index, previous, channels, c, s if i == 0 else 1, t)
            previous, channels, index = f"features.{index}", c, index + 1
    layers += _conv_bn(f"features.{index}", 1280, 1)
    layers += [{"type": "global_pool", "mode": "avg", "name": "avgpool"}, {"type": "flatten"},
               {"type": "dropout", "rate": 0.2, "name": "classifier.0"},
               {"type": "dense", "units": 1000, "name": "classifier.1"}, {"type": "softmax"}]
    return {"name": "MobileNetV2", "layers": layers}


def dumps(design: dict) -> str:
    """One layer a line, as the other templates are written."""
    head = {"format": "nn-designer", "version": 2, "name": design["name"]}
    lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    body = ",\n".join(f"    {json.dumps(layer, ensure_ascii=False)}" for layer in design["layers"])
    return "{\n" + "\n".join(lines) + '\n  "layers": [\n' + body + "\n  ]\n}\n"


def main() -> None:
    for name, make in (("resnet18", resnet18), ("resnet20", resnet20), ("inception", inception),
                       ("mobilenet_v2", mobilenet_v2)):
        (OUT / f"{name}.json").write_text(dumps(make()), encoding="utf-8")


if __name__ == "__main__":
    main()
