"""A design of two perceptron layers (dense, sign, dense), the course's sign activation inside a
network: shared by the export and ONNX round-trip tests."""
from __future__ import annotations

SIGN_NET = {"format": "nn-designer", "version": 1, "name": "two perceptrons", "layers": [
    {"type": "input", "features": 4},
    {"type": "dense", "units": 6, "name": "hidden"},
    {"type": "sign"},
    {"type": "dense", "units": 3, "name": "scores"}]}
