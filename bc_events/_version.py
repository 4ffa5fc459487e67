"""The package's version: a leaf, so modules can name it without importing the package."""

__version__ = "0.2.0"
