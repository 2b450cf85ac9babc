"""A real Home Assistant beside the panel simulator, for scripts/develop and tests/e2e.

Home Assistant runs in a virtual environment of its own (`environment`), from a
configuration folder that loads this working tree's integration (`configuration`), as a
child process (`processes`), driven over its REST API (`client`).
"""


class DevenvError(Exception):
    """Something the development environment needs did not work."""
