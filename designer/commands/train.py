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
from ..engine import SETTING, cli_settings
from ..atomic import different_files, writing
from .args import batch_memory, data_file, default_text, model_file, network_memory, output_file, setting_type


def add_arguments(p) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file or a template name")
    p.add_argument("--data", metavar="DATA",
                   help="a built-in data set or a data file/folder (with --resume: the checkpoint's data)")
    # One option per training setting, from the schema (engine/settings.py). The defaults are
    # None so that --resume can tell an option given from one left out.
    for setting in cli_settings():
        p.add_argument(setting.option, dest=setting.name, type=setting_type(setting), default=None,
                       metavar=setting.metavar, help=f"{setting.help} ({default_text(setting)})")
    p.add_argument("--weights", metavar="IN.npz", help="start from these weights")
    p.add_argument("--out", type=output_file, metavar="OUT.npz", help="save the trained weights here")
    p.add_argument("--history", type=output_file, metavar="H.csv", help="write one row per epoch here")
    p.add_argument("--checkpoint", type=output_file, metavar="CK.npz",
                   help="save a checkpoint here after every epoch and at the end")
    p.add_argument("--resume", metavar="CK.npz",
                   help="continue the run saved in this checkpoint (its settings; --epochs may raise the total)")
    p.add_argument("--quiet", action="store_true", help="no progress on standard error")


def _given(args) -> dict:
    """The training settings given on the command line (not left to their defaults)."""
    return {s.name: getattr(args, s.name) for s in cli_settings() if getattr(args, s.name) is not None}


def _config(args, resumed=None):
    from ..engine import TrainConfig
    given = _given(args)
    if resumed is not None:
        cfg = TrainConfig.from_dict(resumed["meta"]["config"])
        epochs = given.pop("epochs", None)
        if epochs is not None:
            done = int(resumed["meta"]["epoch"]) + (1 if resumed["meta"]["batch"] else 0)
            if epochs < done:
                raise UserError(f"--epochs {epochs} is fewer than the {done} epochs {args.resume} has "
                                "already trained (or begun); --epochs may only raise the total")
            cfg.epochs = epochs
        changed = [SETTING[name].option for name, value in given.items() if value != getattr(cfg, name)]
        if changed:
            raise UserError(f"{' and '.join(changed)} cannot change a resumed run ({args.resume} goes on with "
                            "its own settings, so that it continues exactly); leave "
                            f"{'them' if len(changed) > 1 else 'it'} out, or start a new run")
        return cfg
    return TrainConfig(**given)


def _data_spec(args, resumed) -> str:
    """--data, or the data a resumed checkpoint recorded."""
    if args.data is not None:
        return args.data
    if resumed is None:
        raise UserError("train needs --data: a built-in data set or a data file or folder")
    spec = resumed["meta"].get("data_spec")
    if not spec:
        raise UserError(f"{args.resume} does not record the data it was trained on (an older checkpoint); "
                        "give it with --data")
    return spec


# Signals that end a run like Ctrl-C: a closed terminal (SIGHUP) and a job scheduler or kill (SIGTERM).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _stop_on_interrupt(trainer):
    """The first Ctrl-C (or SIGTERM, SIGHUP) asks the trainer to stop within the batch under way, so
    --out, --history and --checkpoint are still written; a second one ends the process as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}

    def handler(signum, frame):
        for number, old in previous.items():
            signal.signal(number, old)
        trainer.request_stop()

    for number in STOP_SIGNALS:
        previous[number] = signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def run(args) -> int:
    import sys

    from ..engine import checkpoint as ckpt
    from ..engine.data import load_data
    from ..engine import EpochProgress, Finished, Trainer, write_history
    from ..model import load_model, save_weights, shipped_weights
    from .progress_bar import ProgressBar

    inputs = [("MODEL", model_file(args.model)), ("--data", data_file(args.data)), ("--weights", args.weights)]
    different_files(("--out", args.out), ("--history", args.history), ("--checkpoint", args.checkpoint),
                    inputs=inputs)
    # --resume may be the --checkpoint it goes on saving to, but no other output may replace it
    different_files(("--out", args.out), ("--history", args.history), inputs=[("--resume", args.resume)])
    network = load_model(args.model)
    network_memory(network)
    resumed = ckpt.load(args.resume) if args.resume else None
    if resumed is not None and args.weights:
        raise UserError("--weights and --resume do not go together: a checkpoint holds its own weights")
    config = _config(args, resumed)
    config.check()
    spec = _data_spec(args, resumed)
    if resumed is not None:
        different_files(("--out", args.out), ("--history", args.history), ("--checkpoint", args.checkpoint),
                        inputs=[("the data the checkpoint records", data_file(spec))])
    dataset = load_data(spec, seed=config.seed)
    finished = None
    # The memory check comes before the trainer allocates the weights and the batches.
    with batch_memory(min(config.batch_size, len(dataset)), network, config.dtype):
        if resumed is not None:
            trainer = Trainer(network, dataset, config, checkpoint=resumed, data_spec=ckpt.data_spec(spec))
        else:
            trainer = Trainer(network, dataset, config, weights=shipped_weights(args.model, args.weights),
                              data_spec=ckpt.data_spec(spec))
    bar = ProgressBar(sys.stderr, unit="img" if dataset.is_image else "samples")
    with _stop_on_interrupt(trainer), batch_memory(min(config.batch_size, len(trainer.train_x))):
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
