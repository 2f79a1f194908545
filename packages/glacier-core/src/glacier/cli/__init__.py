"""The ``glacier`` command line."""
