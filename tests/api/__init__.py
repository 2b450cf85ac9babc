"""Tests of the protocol package, custom_components/smmpanel/api, on its own."""
