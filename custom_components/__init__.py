"""Custom integrations of this repository (a package so tests import it before Home Assistant's testing config)."""
