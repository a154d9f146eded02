"""3×3 stride-1 convolutions by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast
Algorithms for Convolutional Neural Networks", 2016), batch-last.

The output is cut into 2×2 tiles; tile t reads a 4×4 patch d_t of the padded input (patches
overlap by 2). With the 4×4 transforms

    U = G g Gᵀ (per filter f and channel c),  V_t = Bᵀ d_t B (per channel),  Y_t = Aᵀ M_t A,
    M_t[ξ] = Σ_c U[ξ, f, c] · V_t[ξ, c]       for each of the 16 positions ξ of the 4×4 tile,

the convolution is 16 products (F × C) @ (C × P) over the P = tiles·N columns: 16·F·C·P
multiplies instead of 36·F·C·P for the direct ones (2.25× fewer), the transforms being additions
over whole arrays (``blockwise``, on every core). All arrays are batch-last, so the patch rows
``2·ty + k`` of every tile are the strided view ``xp[:, k::2]`` and each transform is a few
NumPy additions over (channels, tiles, N) blocks, not a loop over tiles.

Backward, by the transpose of the same linear maps: ``dM_t = A dY_t Aᵀ``; the weight gradient is
``dU[ξ] = dM[ξ] @ V[ξ]ᵀ`` (16 products with the long inner dimension P; V is the cache of the
forward pass) then ``dg = Gᵀ dU G``; the input gradient is ``dV[ξ] = U[ξ]ᵀ @ dM[ξ]`` added back
onto the overlapping patches by ``B dV Bᵀ`` — rows ``2·ty`` get patch rows 0 and 2 of tiles ty and
ty − 1, rows ``2·ty + 1`` rows 1 and 3, two additions instead of a scatter.

Rounding: the transforms add up to 4 values of mixed sign, so float32 results differ from a
direct convolution's by a few units in the last place more (measured against PyTorch in the tests).
Only 3×3, stride 1, no dilation, one group, padding at most 2 (see ``suits``).
"""
from __future__ import annotations

import contextlib
import threading

import numpy as np

from ..blas import one_blas_thread, usable_cores
from .. import blocks
from ..blocks import blockwise


# The named switch, off by default: on one core the path is faster from 64 channels (see
# MIN_CHANNELS), but on two cores whole training steps measured no faster or slower (in-process
# A/B, bench/ab_step.py: vgg-cifar 0.89×, IQR 0.82–0.92; ResNet-20 1.06×, IQR 0.95–1.20), so
# kernel rows stay the default. Tests turn it on to run the same checks through it.
ENABLED = False
# The fewest input channels for which it pays (see ``suits``); tests set 0 to run the gradient
# checks through it on small layers. Measured (a layer's training pass, batch 64, one core,
# against kernel rows): 16 channels 1.07×, 32 channels 0.89–0.93×, 64 1.05–1.17×, 128 1.26×; a
# whole ResNet-20 step on two cores was slower with 16 and 32 channels too (0.81×; its products
# with an inner dimension of 16–32 run at 45–65 GFLOP/s on one core, kernel rows' at 3× that
# length faster), and vgg-cifar's faster from 64 on (1.22×).
MIN_CHANNELS = 64
# Whether evaluation-mode (forward-only) passes take it too; else they go by kernel rows.
FORWARD_ONLY = False
# Chunks on every core with one BLAS thread (True), or as blockwise's usual rule decides with the
# BLAS's own threads splitting each product (False): a switch for A/B measurements.
OWN_THREADS = True


def _threads():
    """(context, threads for blockwise) of ``OWN_THREADS``."""
    if OWN_THREADS:
        return one_blas_thread(), usable_cores()
    return contextlib.nullcontext(), 0

_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])


def suits(kernel: tuple, stride: tuple, pad: tuple, groups: int, channels: int, dilation: tuple) -> bool:
    """Whether a convolution runs this way: 3×3, stride 1, one group, no dilation, padding ≤ 2."""
    return (ENABLED and tuple(kernel) == (3, 3) and tuple(stride) == (1, 1) and groups == 1
            and tuple(dilation) == (1, 1) and max(pad) <= 2 and channels >= MIN_CHANNELS)


def tiles(out_hw: tuple) -> tuple:
    """(tile rows, tile columns) covering an output of (OH, OW)."""
    return -(-out_hw[0] // 2), -(-out_hw[1] // 2)


def _g(x0, x1, x2) -> tuple:
    """G (4 × 3) applied along one axis to the kernel rows (or columns) x0, x1, x2."""
    s = x0 + x2
    return x0, (s + x1) * 0.5, (s - x1) * 0.5, x2


def filter_transform(w: np.ndarray) -> np.ndarray:
    """U (16, F, C) = G g Gᵀ for every filter and channel of w (F, C, 3, 3) (a few additions
    over (F, C) arrays: an einsum took 100 ms for 512 × 512 filters, this ~3)."""
    f, c = w.shape[:2]
    taps = np.ascontiguousarray(w.transpose(2, 3, 0, 1))  # (3, 3, F, C): contiguous (F, C) planes
    u = np.empty((4, 4, f, c), w.dtype)
    for a, r in enumerate(_g(taps[0], taps[1], taps[2])):
        for b, value in enumerate(_g(r[0], r[1], r[2])):
            u[a, b] = value
    return u.reshape(16, f, c)


def _gt(d0, d1, d2, d3) -> tuple:
    """Gᵀ (3 × 4) applied along one axis: the transpose of ``_g``."""
    h = (d1 + d2) * 0.5
    return d0 + h, (d1 - d2) * 0.5, h + d3


def filter_gradient(du: np.ndarray, shape: tuple) -> np.ndarray:
    """dg (F, C, 3, 3) = Gᵀ dU G from dU (16, F, C): the transpose of ``filter_transform``."""
    du = np.ascontiguousarray(du).reshape(4, 4, *shape[:2])
    dg = np.empty((3, 3) + tuple(shape[:2]), du.dtype)
    rows = [_gt(*(du[a, b] for b in range(4))) for a in range(4)]  # rows[a][j]: Gᵀ along b
    for j in range(3):
        for i, value in enumerate(_gt(*(rows[a][j] for a in range(4)))):
            dg[i, j] = value
    return dg.transpose(2, 3, 0, 1)


def padded(m: np.ndarray, pad: tuple, rows: int, cols: int, buffer) -> np.ndarray:
    """The batch-last (C, H, W, N) inside zeros: ``pad`` before, and after up to rows × cols
    (the patches of the last tiles may reach past the padding the layer has)."""
    c, h, w, n = m.shape
    py, px = pad
    xp = buffer("padded", (c, rows, cols, n))

    def run(a, z):
        xp[a:z, :py] = 0
        xp[a:z, py + h:] = 0
        xp[a:z, py:py + h, :px] = 0
        xp[a:z, py:py + h, px + w:] = 0
        xp[a:z, py:py + h, px:px + w] = m[a:z]
    blockwise(run, c, rows * cols * n)
    return xp


def _bt(r0, r1, r2, r3, out) -> None:
    """out[0..3] = Bᵀ applied along one axis to the four rows (or columns) r0..r3."""
    np.subtract(r0, r2, out=out[0])
    np.add(r1, r2, out=out[1])
    np.subtract(r2, r1, out=out[2])
    np.subtract(r1, r3, out=out[3])


def input_transform(xp: np.ndarray, v: np.ndarray) -> None:
    """v (4, 4, C, th, tw, N) = Bᵀ d B for every tile of the padded batch-last xp (C, 2th+2, ≥2tw+2, N)."""
    c, th, tw, n = v.shape[2:]
    wp = xp.shape[2]
    rows = np.empty((4, c, th, wp, n), xp.dtype)
    _bt(*(xp[:, k:k + 2 * th:2] for k in range(4)), rows)
    for i in range(4):
        r = rows[i]
        _bt(*(r[:, :, k:k + 2 * tw:2] for k in range(4)), v[i])


def output_transform(m: np.ndarray, out: np.ndarray, bias=None) -> None:
    """out (F, OH, OW, N) = Aᵀ M A (+ bias) from m (4, 4, F, th, tw, N); an odd OH or OW drops
    the last tile row's (column's) second half."""
    f, oh, ow, n = out.shape
    th, tw = m.shape[3:5]
    hh, hw = oh // 2, ow // 2  # tile rows (columns) whose second output row (column) exists
    t = np.empty((2, 4, f, th, tw, n), m.dtype)
    np.add(m[0], m[1], out=t[0])
    t[0] += m[2]
    np.subtract(m[1], m[2], out=t[1])
    t[1] -= m[3]
    for i, rows in ((0, th), (1, hh)):
        r = t[i][:, :, :rows]
        y0, y1 = out[:, i::2, 0::2], out[:, i::2, 1::2]
        np.add(r[0], r[1], out=y0)
        y0 += r[2]
        np.subtract(r[1, :, :, :hw], r[2, :, :, :hw], out=y1)
        y1 -= r[3, :, :, :hw]
        if bias is not None:
            b = bias[:, None, None, None]
            y0 += b
            y1 += b


def output_gradient(d: np.ndarray, dm: np.ndarray) -> None:
    """dm (4, 4, F, th, tw, N) = A dY Aᵀ for every tile of dout ``d`` (F, OH, OW, N): the
    transpose of ``output_transform`` (a missing half of an odd edge counts as zero)."""
    f, oh, ow, n = d.shape
    th, tw = dm.shape[3:5]
    hh, hw = oh // 2, ow // 2
    y = np.empty((2, 2, f, th, tw, n), d.dtype)  # the tiles' (2, 2) outputs, zero past an odd edge
    for i, rows in ((0, th), (1, hh)):
        for j, cols in ((0, tw), (1, hw)):
            y[i, j, :, :rows, :cols] = d[:, i::2, j::2]
            y[i, j, :, rows:] = 0
            y[i, j, :, :, cols:] = 0
    r = np.empty((4, 2, f, th, tw, n), d.dtype)  # A applied along the tile rows
    r[0] = y[0]
    np.add(y[0], y[1], out=r[1])
    np.subtract(y[0], y[1], out=r[2])
    np.negative(y[1], out=r[3])
    for i in range(4):  # and along the tile columns
        q, o = r[i], dm[i]
        o[0] = q[0]
        np.add(q[0], q[1], out=o[1])
        np.subtract(q[0], q[1], out=o[2])
        np.negative(q[1], out=o[3])


def input_gradient(dv: np.ndarray, dxp: np.ndarray) -> None:
    """dxp (C, 2th+2, 2tw+2, N) = the sum over tiles of B dV_t Bᵀ on their patches, from dv
    (4, 4, C, th, tw, N): the transpose of ``input_transform``. Patch row k of tile t is
    Σ_a Bᵀ[a, k] v_a (k = 0: v0; 1: v1 − v2 + v3; 2: v1 + v2 − v0; 3: −v3); input row 2t gets
    k = 0 of tile t and k = 2 of tile t − 1, row 2t + 1 k = 1 of t and k = 3 of t − 1."""
    c, th, tw, n = dv.shape[2:]
    wp = dxp.shape[2]
    cols = np.empty((4, c, th, wp, n), dv.dtype)  # along the tile columns first

    def adjoint(q0, q1, q2, q3, ev, od, axis):
        inner = (slice(None),) * axis
        first, rest, last = inner + (slice(0, -1),), inner + (slice(1, None),), inner + (-1,)
        np.copyto(ev[first], q0)
        ev[last] = 0
        ev[rest] += q1
        ev[rest] += q2
        ev[rest] -= q0
        np.subtract(q1, q2, out=od[first])
        od[first] += q3
        od[last] = 0
        od[rest] -= q3
    for i in range(4):
        q = dv[i]
        adjoint(q[0], q[1], q[2], q[3], cols[i][:, :, 0::2], cols[i][:, :, 1::2], 2)
    adjoint(cols[0], cols[1], cols[2], cols[3], dxp[:, 0::2], dxp[:, 1::2], 1)


def _products(left, right, out) -> None:
    for k in range(16):
        np.matmul(left[k], right[k], out=out[k])


def _row_chunks(per_row: int) -> int:
    """Tile rows per chunk: the chunk's transformed tiles (16 · channels · tw · N values per tile
    row) stay within a few blocks, so they are still in the core's cache for the products."""
    return max(1, (4 * blocks.BLOCK) // max(1, per_row))


def forward(layer, m: np.ndarray, train: bool, spare) -> tuple:
    """(out (F, OH, OW, N), V (16, C, th·tw·N): the cache). A chunk of tile rows at a time on each
    core (one BLAS thread): transformed, multiplied and transformed back while in the cache; V is
    written once for the backward pass."""
    w, bias = layer.params["weight"], layer.params.get("bias")
    c, _, _, n = m.shape
    f, oh, ow = layer.out_shape
    th, tw = tiles((oh, ow))
    xp = padded(m, layer.pad, 2 * th + 2, 2 * tw + 2, spare)
    v = layer.pass_buffer("winograd", (4, 4, c, th, tw, n), train)
    u = filter_transform(w)
    out = np.empty((f, oh, ow, n), layer.dtype)
    v2 = v.reshape(16, c, th * tw * n)
    row = tw * n

    def run(a, z):
        input_transform(xp[:, 2 * a:2 * z + 2], v[:, :, :, a:z])
        prod = np.empty((16, f, (z - a) * row), layer.dtype)
        _products(u, v2[:, :, a * row:z * row], prod)
        output_transform(prod.reshape(4, 4, f, z - a, tw, n), out[:, 2 * a:2 * z], bias)
    context, threads = _threads()
    with context:
        blockwise(run, th, 1, _row_chunks(16 * max(c, f) * row), threads=threads)
    return out, v


def backward(layer, d: np.ndarray, v: np.ndarray, in_shape: tuple, spare) -> tuple:
    """(dx (C, H, W, N) or None, grads) from dout ``d`` (F, OH, OW, N) and V. Chunks of tile rows
    as in ``forward``: dM = A dY Aᵀ, its part of dUᵀ = V dMᵀ (BLAS's faster order: the long
    inner dimension), and dV = Uᵀ dM; then B dV Bᵀ onto the input, a block of channels at a time."""
    w = layer.params["weight"]
    f, c = w.shape[:2]
    n, _, h, width = in_shape
    _, oh, ow, _ = d.shape
    th, tw = tiles((oh, ow))
    row = tw * n
    v2 = v.reshape(16, c, th * tw * n)
    u = filter_transform(w)
    ut = u.transpose(0, 2, 1)
    dut = np.zeros((16, c, f), layer.dtype)
    need_dx = layer.need_dx
    dv = spare("winograd_dv", v.shape) if need_dx else None
    dv2 = dv.reshape(v2.shape) if need_dx else None
    lock = threading.Lock()

    def run(a, z):
        dm = np.empty((16, f, (z - a) * row), layer.dtype)
        output_gradient(d[:, 2 * a:2 * z], dm.reshape(4, 4, f, z - a, tw, n))
        part = np.empty((16, c, f), layer.dtype)
        _products(v2[:, :, a * row:z * row], dm.transpose(0, 2, 1), part)
        with lock:
            np.add(dut, part, out=dut)
        if need_dx:
            _products(ut, dm, dv2[:, :, a * row:z * row])
    dxp = spare("padded_dx", (c, 2 * th + 2, 2 * tw + 2, n)) if need_dx else None
    py, px = layer.pad
    dx = np.empty((c, h, width, n), layer.dtype) if need_dx else None

    def back(a, z):
        input_gradient(dv[:, :, a:z], dxp[a:z])
        dx[a:z] = dxp[a:z, py:py + h, px:px + width]
    context, threads = _threads()
    with context:
        blockwise(run, th, 1, _row_chunks(16 * max(c, f) * row), threads=threads)
        if need_dx:
            blockwise(back, c, 16 * th * tw * n, threads=threads)
    grads = {"weight": filter_gradient(dut.transpose(0, 2, 1), w.shape)}
    if "bias" in layer.params:
        grads["bias"] = d.sum(axis=(1, 2, 3))
    return dx, grads
