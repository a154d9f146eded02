"""How long one inference pass takes on a 200-layer chain (the app reruns it on every edit).

    python bench/model_inference.py

Target: under 5 ms. Prints the median and the worst of many runs.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from designer.model import Layer, Network, infer  # noqa: E402


def chain(n_layers: int = 200) -> Network:
    layers = [Layer.make("input", width=224, height=224, depth=3)]
    cycle = [("conv", {"filters": 64, "kernel": 3, "padding": 1}), ("batchnorm", {}), ("relu", {}),
             ("dropout", {"rate": 0.1})]
    while len(layers) < n_layers - 2:
        type_, cfg = cycle[len(layers) % len(cycle)]
        layers.append(Layer.make(type_, **cfg))
    layers += [Layer.make("dense", units=10), Layer.make("softmax")]
    return Network(layers)


def main() -> None:
    network = chain()
    times = []
    for _ in range(300):
        t0 = time.perf_counter()
        infer(network.layers)
        times.append((time.perf_counter() - t0) * 1000)
    report = infer(network.layers)
    print(f"{len(network)} layers, {report.total_params:,} parameters")
    print(f"inference: median {statistics.median(times):.2f} ms, worst {max(times):.2f} ms (target < 5 ms)")


if __name__ == "__main__":
    main()
