"""The data writers of data_support.py match the published layouts, so the readers are tested on
the real thing."""
from __future__ import annotations

import gzip
import pickle

import numpy as np
from data_support import cifar_batch, idx_bytes, py2_pickle

def test_idx_writer_matches_the_published_mnist_header(mnist_dir):
    with gzip.open(mnist_dir / "t10k-images-idx3-ubyte.gz", "rb") as f:
        real = f.read(16)
    assert idx_bytes(np.zeros((10000, 28, 28), np.uint8))[:16] == real
    with gzip.open(mnist_dir / "t10k-labels-idx1-ubyte.gz", "rb") as f:
        assert idx_bytes(np.zeros(10000, np.uint8))[:8] == f.read(8)


def test_py2_pickle_loads_as_the_cifar_page_says():
    d, data, labels = cifar_batch(5, 1)
    raw = py2_pickle(d)
    assert raw.startswith(b"\x80\x02}(")
    loaded = pickle.loads(raw, encoding="bytes")  # the snippet on the CIFAR-10 page
    assert set(loaded) == {b"batch_label", b"labels", b"data", b"filenames"}
    assert loaded[b"labels"] == labels
    assert loaded[b"data"].dtype == np.uint8 and np.array_equal(loaded[b"data"], data)
    assert loaded[b"batch_label"] == b"training batch 1 of 5"
