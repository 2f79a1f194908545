"""glacier-emr: Amazon EMR executors for Glacier (an example third-party plugin)."""

__version__ = "0.1.0"
