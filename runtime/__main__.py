"""``python -m tcapi``: the ``tcapi`` command line (see :mod:`tcapi.cli`)."""

import sys

from .cli import main

sys.exit(main())
