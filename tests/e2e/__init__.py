"""End-to-end tests: a real Home Assistant process, the panel simulator and Chromium."""
