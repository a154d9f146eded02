"""One module per ``nn-designer`` command: ``add_arguments(parser)`` and ``run(args) -> int``."""
