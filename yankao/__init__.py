"""yankao (研考): one platform for a Taiwanese city's Research, Development and Evaluation Commission."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("yankao")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"
