"""``python -m corecors check URL --origin ORIGIN ...``: see :mod:`corecors.cli`."""

import sys

from .cli import main

sys.exit(main())
