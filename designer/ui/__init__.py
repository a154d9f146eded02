"""The desktop app: the only package that imports Qt. Its face is ``run(argv)``, imported on
first use so that the Qt-free modules here (layout, collapse, search) can be imported without Qt."""

__all__ = ["render_command", "run"]  # render_command: the `render` command's module


def __getattr__(name):
    if name == "run":
        from .application import run
        return run
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
