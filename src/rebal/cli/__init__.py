"""The ``rebal`` command line: a thin layer over the public API (nothing imports it)."""
