"""``nn-designer train MODEL --data DATA [options]``: train with the NumPy engine (docs/cli.md).

Progress goes to standard error; the final sentence to standard output. A template that ships
weights (``mlp-example``) starts from them unless ``--weights`` is given. Ctrl-C stops within the
batch under way (undone) and still writes ``--out``, ``--history`` and ``--checkpoint``; a second Ctrl-C aborts.
Exit status 0 when training completes, 1 when it was stopped or diverged, 2 for bad input.
"""
from __future__ import annotations

import contextlib
import signal
import threading

from ..errors import UserError
from .args import (batch_memory, different_files, fraction, non_negative_float, non_negative_int, output_file,
                   positive_float, positive_int, writing)


def add_arguments(p) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file or a template name")
    p.add_argument("--data", required=True, metavar="DATA", help="a built-in data set or a data file/folder")
    p.add_argument("--epochs", type=positive_int, default=None, metavar="N",
                   help="passes over the data (10)")
    p.add_argument("--batch-size", type=positive_int, default=64, metavar="N", help="samples per step (64)")
    p.add_argument("--lr", type=positive_float, default=0.01, metavar="X", help="learning rate η (0.01)")
    p.add_argument("--momentum", type=fraction, default=0.9, metavar="X", help="momentum α (0.9)")
    p.add_argument("--weight-decay", type=non_negative_float, default=0.0, metavar="X",
                   help="L2 weight decay λ (0)")
    p.add_argument("--loss", choices=("cross_entropy", "mse"), default="cross_entropy")
    p.add_argument("--val-split", type=fraction, default=0.2, metavar="X",
                   help="fraction of the data held out for validation (0.2)")
    p.add_argument("--seed", type=non_negative_int, default=0, metavar="N",
                   help="seed of initialisation, split, shuffling and dropout (0)")
    p.add_argument("--weights", metavar="IN.npz", help="start from these weights")
    p.add_argument("--out", type=output_file, metavar="OUT.npz", help="save the trained weights here")
    p.add_argument("--history", type=output_file, metavar="H.csv", help="write one row per epoch here")
    # Extensions (docs/cli.md, "train: more options").
    p.add_argument("--schedule", default="constant", metavar="SPEC",
                   help="learning-rate schedule: constant, step[:step_size=N,gamma=X], "
                        "plateau[:patience=N,factor=X,min_lr=X]")
    p.add_argument("--init", default="default", metavar="NAME",
                   help="weight initialisation: default (PyTorch's), he or xavier")
    p.add_argument("--augment", metavar="SPEC", help="image augmentation, e.g. flip,crop=2,shift=2")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--checkpoint", type=output_file, metavar="CK.npz",
                   help="save a checkpoint here after every epoch and at the end")
    p.add_argument("--resume", metavar="CK.npz",
                   help="continue the run saved in this checkpoint (its settings; --epochs may raise the total)")
    p.add_argument("--quiet", action="store_true", help="no progress on standard error")


def _config(args, resumed=None):
    from ..engine.training import TrainConfig
    if resumed is not None:
        cfg = TrainConfig.from_dict(resumed["meta"]["config"])
        if args.epochs is not None:
            done = int(resumed["meta"]["epoch"]) + (1 if resumed["meta"]["batch"] else 0)
            if args.epochs < done:
                raise UserError(f"--epochs {args.epochs} is fewer than the {done} epochs {args.resume} has "
                                "already trained (or begun); --epochs may only raise the total")
            cfg.epochs = args.epochs
        return cfg
    return TrainConfig(epochs=10 if args.epochs is None else args.epochs, batch_size=args.batch_size, lr=args.lr, momentum=args.momentum,
                       weight_decay=args.weight_decay, loss=args.loss, val_split=args.val_split,
                       seed=args.seed, schedule=args.schedule, init=args.init, augment=args.augment,
                       dtype=args.dtype)


@contextlib.contextmanager
def _stop_on_interrupt(trainer):
    """The first Ctrl-C asks the trainer to stop (within the batch under way); the second aborts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        signal.signal(signal.SIGINT, previous)
        trainer.request_stop()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run(args) -> int:
    import sys

    from ..engine import checkpoint as ckpt
    from ..engine.data import load_data
    from ..engine.progress import EpochProgress, Finished, write_history
    from ..engine.training import Trainer
    from ..model import load_model, save_weights, shipped_weights
    from .progress_bar import ProgressBar

    different_files(("--out", args.out), ("--history", args.history), ("--checkpoint", args.checkpoint))
    # --resume may be the --checkpoint it goes on saving to, but no other output may replace it
    different_files(("--resume", args.resume), ("--out", args.out), ("--history", args.history))
    network = load_model(args.model)
    resumed = ckpt.load(args.resume) if args.resume else None
    config = _config(args, resumed)
    config.check()
    dataset = load_data(args.data, seed=config.seed)
    if resumed is not None:
        if args.weights:
            raise UserError("--weights and --resume do not go together: a checkpoint holds its own weights")
        trainer = Trainer(network, dataset, config, checkpoint=resumed)
    else:
        trainer = Trainer(network, dataset, config, weights=shipped_weights(args.model, args.weights))

    bar = ProgressBar(sys.stderr, unit="img" if dataset.is_image else "samples")
    finished = None
    with _stop_on_interrupt(trainer), batch_memory(min(config.batch_size, len(trainer.train_x)), network):
        for event in trainer.run():
            if not args.quiet:
                bar.update(event)
            if isinstance(event, Finished):
                finished = event
            elif args.checkpoint and isinstance(event, EpochProgress):
                with writing(args.checkpoint):
                    trainer.save_checkpoint(args.checkpoint)
    if args.out:
        with writing(args.out):
            save_weights(args.out, trainer.net.state_dict())
    if args.history:
        with writing(args.history):
            write_history(args.history, trainer.history)
    if args.checkpoint:
        with writing(args.checkpoint):
            trainer.save_checkpoint(args.checkpoint)
    print(finished.message[0].upper() + finished.message[1:] + ".")
    return 0 if finished.reason == "completed" else 1
