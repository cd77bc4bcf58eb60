"""The package version, in its own module so that any layer can read it without importing the
package face (which would import the adapters)."""

__version__ = "0.1.0"
