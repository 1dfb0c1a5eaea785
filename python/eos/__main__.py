"""``python -m eos`` is the ``eos`` command."""
import sys

from .cli import main

sys.exit(main())
