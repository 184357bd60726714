"""Exceptions raised by axon_quant. Each carries the Rust error's message."""


class AxonError(Exception):
    """Base of every error axon_quant raises."""


class AxonValueError(AxonError, ValueError):
    """Bad input: a shape, a value, a name, a configuration."""


class AxonIOError(AxonError, OSError):
    """A file that cannot be read or written."""


__all__ = ["AxonError", "AxonValueError", "AxonIOError"]
