"""The version of searcher (one place: the package, the web client's User-Agent)."""

__version__ = "0.1.0"
