"""Built-in templates, usable by name wherever a MODEL is taken."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from .jsonio import ModelError, load

HERE = Path(__file__).parent / "templates"

# name -> (title shown in menus, one-line description)
TEMPLATES = {
    "perceptron": ("Perceptron", "2 inputs → dense 1 → sign: Rosenblatt's perceptron"),
    "mlp-example": ("MLP example", "the course's 3-2-2 sigmoid network with its starting weights"),
    "lenet5": ("LeNet-5", "two conv/pool stages and three dense layers, for 28×28 digits"),
    "alexnet": ("AlexNet", "the course's single-stream AlexNet on 227×227×3, 62.4 M parameters"),
    "resnet18": ("ResNet-18", "torchvision's ResNet-18 on 224×224×3, 11.7 M parameters"),
    "resnet20": ("ResNet-20", "He et al.'s CIFAR-10 ResNet (32×32×3 → 10), 272 K parameters"),
    "inception": ("Inception (3a)", "GoogLeNet's inception block on 28×28×192 → 28×28×256"),
    "mobilenet_v2": ("MobileNetV2", "torchvision's MobileNetV2 on 224×224×3: inverted residuals, "
                                    "depthwise convs, ReLU6; 3.5 M parameters"),
    "efficientnet_b0": ("EfficientNet-B0", "torchvision's EfficientNet-B0 on 224×224×3: MBConv blocks with "
                                           "squeeze-and-excitation and SiLU, 5.3 M parameters"),
}


def template_path(name: str) -> Path:
    return HERE / f"{name}.json"


def template_weights(name: str) -> Optional[Path]:
    """The weights file shipped with a template, if any."""
    path = HERE / f"{name}.npz"
    return path if path.exists() else None


def load_template(name: str):
    if name not in TEMPLATES:
        raise ModelError(f'no template named "{name}"; the templates are {", ".join(TEMPLATES)}')
    return load(template_path(name))


def template_name(spec: str) -> Optional[str]:
    """The template a MODEL argument names (a template's name that is not also a file), or None."""
    return spec if spec in TEMPLATES and not Path(spec).exists() else None


def shipped_weights(spec: str, given=None):
    """The weights to start from: ``given`` (a file), else the shipped weights of the template
    ``spec`` names (mlp-example), else None."""
    if given:
        return given
    name = template_name(spec)
    return template_weights(name) if name else None


def load_model(spec: str, allow_empty: bool = False):
    """A MODEL argument: a path to a model file or the name of a template."""
    path = Path(spec)
    if template_name(spec):
        return load_template(spec)
    if not path.exists() and path.suffix == "":
        from .catalogue import did_you_mean
        raise ModelError(f'{spec}: no such file or template{did_you_mean(spec, TEMPLATES)}')
    return load(path, allow_empty)
