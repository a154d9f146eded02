"""Write a training folder for PyTorch's distributed engine (``torchrun``):

* ``model.py``: the module the PyTorch export writes (pytorch.py), loading ``weights.npz`` from
  its own folder when there are weights to start from;
* ``train.py``: ``torchrun_train.py`` of this package, copied as it is (it needs only torch, numpy
  and Pillow, and reproduces ``nn-designer train``; being one file that cannot import this
  program, it carries its own readers of the five data formats, which is why it is longer than
  this project's modules);
* ``README.md``: when to leave the laptop and the exact commands for one CPU, one GPU, N GPUs,
  several nodes and Slurm.

The folder may be new, or an earlier training folder (rewritten); in any other folder none of the
four names may be taken, so that nothing of the user's is replaced. The four files are written
whole or not at all (a full disk leaves the folder as it was, a new folder is removed), and each
replaces what its name held: a ``weights.npz`` or ``model.py`` that is a link to a user's file
is replaced by the new file, never written through (it rewrote the input weights).
"""
from __future__ import annotations

import contextlib
from pathlib import Path

from ..atomic import together, write_text_atomic
from ..model import format_shape, human_count
from .common import ExportError, checked_report
from .pytorch import pytorch_source

TRAIN_SOURCE = Path(__file__).with_name("torchrun_train.py")
FILES = ("model.py", "train.py", "README.md", "weights.npz")
WEIGHTS = "weights.npz"


def _is_training_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a train.py written by this export (then it may be rewritten)."""
    first = TRAIN_SOURCE.read_text(encoding="utf-8").split("\n", 1)[0]
    try:
        return (folder / "train.py").read_text(encoding="utf-8").split("\n", 1)[0] == first
    except (OSError, UnicodeDecodeError):
        return False


def check_folder(folder: Path) -> None:
    """Raise ExportError unless ``folder`` can take the training files (see the module text)."""
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} is a file; give the name of a folder to write the training files into")
    if not folder.parent.is_dir():
        raise ExportError(f"the folder {folder.parent} does not exist, so {folder} cannot be made")
    if folder.is_dir() and not _is_training_folder(folder):
        taken = [name for name in FILES if (folder / name).exists()]
        if taken:
            raise ExportError(f"{folder} already holds {taken[0]}, which is not from an earlier training "
                              "folder; give a new or empty folder")


def write_torchrun(network, folder, arrays=None, source: str = "") -> str:
    """Write the training folder; ``arrays`` are weights to start from (saved as weights.npz).
    Returns a sentence saying what was written."""
    from ..model import save_weights
    report = checked_report(network)
    folder = Path(folder)
    check_folder(folder)
    made = not folder.exists()
    folder.mkdir(exist_ok=True)
    weights = folder / WEIGHTS if arrays is not None else None
    try:
        with together():
            if arrays is not None:
                save_weights(weights, arrays, follow=False)
            write_text_atomic(folder / "model.py", pytorch_source(network, weights, source, beside=True), follow=False)
            write_text_atomic(folder / "train.py", TRAIN_SOURCE.read_text(encoding="utf-8"), follow=False)
            write_text_atomic(folder / "README.md", readme(network, report, source, arrays is not None), follow=False)
    except BaseException:
        if made:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: the temporary files are gone already
        raise
    names = ["model.py", "train.py", "README.md"] + ([WEIGHTS] if arrays is not None else [])
    start = "starting from the weights in weights.npz" if arrays is not None else "initialised from --seed"
    return f"wrote {folder}: {', '.join(names[:-1])} and {names[-1]}, a torchrun training folder ({start})"


def readme(network, report, source: str = "", has_weights: bool = False) -> str:
    title = network.name or "network"
    params = sum(info.param_count for info in report.layers)
    start = ("It starts from the weights in `weights.npz` (exported with the design) unless `--weights` "
             "names others." if has_weights else
             "It starts from NN Designer's initialisation drawn from `--seed` (`--init`), or from "
             "`--weights W.npz`.")
    return README.format(title=title, origin=f" from `{source}`" if source else "",
                         input=format_shape(report.input), output=format_shape(report.output),
                         params=f"{params:,}", macs=human_count(report.total_macs), start=start)


README = """# {title}: a training folder for PyTorch

Written by NN Designer{origin}: {input} → {output}, {params} parameters, {macs} multiply-adds per
sample forward.

- `model.py`: the network as a PyTorch module (`Net`), with `load_weights`/`save_weights` for
  NN Designer's weights files.
- `train.py`: NN Designer's training recipe on PyTorch's distributed engine (`torchrun`, with
  DistributedDataParallel). It needs only `torch`, `numpy` and `Pillow`. {start}

## When to leave the laptop

NN Designer's own engine trains on this computer's processor. Measure it first:
`nn-designer bench MODEL --batch-size 128` prints images (samples) per second, and the number of
training samples divided by it is the time of one epoch. AlexNet on ImageNet's 1.28 million
images runs at about 4 images per second on a laptop: some 89 hours per epoch, and AlexNet was
trained for about 90 epochs. Leave the laptop when an epoch takes more than an hour or so, or
when the data set does not fit in memory (ImageNet is about 150 GB): a GPU computes such a
network many times faster than a laptop's processor, and N GPUs nearly N times faster again
(`train.py` prints each epoch's seconds, so the first epoch tells). Before paying for GPU time,
check the folder on one CPU with a few epochs of a small data set (below).

On the other machine: Python 3.10 or later, then `pip install torch numpy pillow` (PyTorch's own
instructions at https://pytorch.org give the `pip` line for its CUDA version). Copy this folder
and the data there.

## Run it

The options are `nn-designer train`'s, with the same names, defaults and meanings (`python
train.py --help` lists them). `--batch-size` is the global batch: N processes take
`batch-size / N` samples each (N must divide it). Only the first process writes files. DATA is a
folder of MNIST-format IDX files, a CIFAR batches folder or `.tar.gz`, a folder of class
sub-folders of images, an `.npz` file with arrays `x` and `y`, or a `.csv` file whose last
column is the label.

One CPU, a check (one process, `--device cpu`):

    python train.py --data DATA --epochs 2 --device cpu --out check.npz

One GPU, AlexNet's recipe (batch 128, momentum 0.9, learning rate 0.01 divided by 10 when the
validation accuracy stops improving, weight decay 0.0005):

    python train.py --data DATA --epochs 90 --batch-size 128 --lr 0.01 --momentum 0.9 \\
        --weight-decay 0.0005 --schedule plateau --augment crop=4,flip \\
        --out trained.npz --history history.csv --checkpoint run.ckpt

N GPUs on one machine (here 4; processes talk over `nccl` on GPUs, `gloo` on CPUs):

    torchrun --standalone --nproc_per_node=4 train.py --data DATA --epochs 90 --batch-size 128 \\
        --lr 0.01 --weight-decay 0.0005 --schedule plateau --out trained.npz --checkpoint run.ckpt

Several machines (here 2 with 8 GPUs each): run the same line on every machine, with HOST the
name of the first one:

    torchrun --nnodes=2 --nproc_per_node=8 --rdzv_id=run1 --rdzv_backend=c10d \\
        --rdzv_endpoint=HOST:29500 train.py --data DATA --epochs 90 --batch-size 512 \\
        --lr 0.01 --weight-decay 0.0005 --schedule plateau --out trained.npz --checkpoint run.ckpt

Under Slurm, save this as `train.sbatch` and submit it with `sbatch train.sbatch`; submitted
again after its time limit, it continues from the checkpoint:

    #!/bin/bash
    #SBATCH --job-name={title}
    #SBATCH --nodes=2
    #SBATCH --ntasks-per-node=1
    #SBATCH --gpus-per-node=4
    #SBATCH --cpus-per-task=16
    #SBATCH --time=24:00:00
    head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
    resume=$([ -f run.ckpt ] && echo "--resume run.ckpt")
    srun torchrun --nnodes="$SLURM_NNODES" --nproc_per_node=4 --rdzv_id="$SLURM_JOB_ID" \\
        --rdzv_backend=c10d --rdzv_endpoint="$head:29500" train.py --data DATA --epochs 90 \\
        --batch-size 128 --lr 0.01 --weight-decay 0.0005 --schedule plateau --workers 12 \\
        --out trained.npz --history history.csv --checkpoint run.ckpt $resume

`--checkpoint CK` is saved after every epoch; `--resume CK` continues that run with its settings
(`--epochs` may raise the total) and ends exactly where the uninterrupted run would. On several
machines, every process reads DATA and the checkpoint it resumes: put them where every machine
sees them (a shared file system), or copy them to the same path on each.

## Images

Folders of images are read from disk while training, by `--workers` DataLoader processes (4), so
a data set need not fit in memory. Images of the input's size are used as they are; others are
resized so that the input covers 227/256 of them (for AlexNet's 227×227 input: a resize to 256)
and cropped to the input's size, in the centre, or for training with `--augment` at a random
place (and mirrored half the time with `flip`). Validation always takes the centre.

## What to expect

With the same options, seed, starting weights and data, a run on any number of processes that
divides the batch gives the same weights and history as `nn-designer train` (to 1e-4 relative in
float32, 1e-9 with `--dtype float64`), for networks without dropout and batchnorm trained
without `--augment`: the samples come in the engine's order, each process takes its slice of
every global batch, and the gradients are averaged across the processes. Dropout, batchnorm and
augmentation follow the same recipe with their own random numbers.

## Back to NN Designer

`--out trained.npz` is an NN Designer weights file: `nn-designer predict MODEL --weights
trained.npz --data DATA` runs it, and the app's Train mode loads it. `--history history.csv` has
the columns of `nn-designer train --history`.
"""
