"""One module per ``nn-designer`` command: ``add_arguments(parser)`` and ``run(args) -> int``."""

# The face is the command modules themselves, which cli.py imports one at a time by name.
__all__ = ["bench", "explain", "export", "import_onnx", "install_desktop", "predict", "summary", "train"]
