"""Constants for the SMM Panel integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "smmpanel"
LOGGER = logging.getLogger(__package__)
