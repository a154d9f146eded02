"""What the bundle's executable runs (tools/build_app.py): the ``nn-designer`` command, entirely.
With no command, or a model file, it opens the window, as the console script does."""
import sys

from designer.cli import main

if __name__ == "__main__":
    sys.exit(main())
