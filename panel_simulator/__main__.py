"""Run the simulator: `python -m panel_simulator --help`."""

import sys

from .cli import main

sys.exit(main())
