"""Griffe extension for the API reference: read ``Example:`` docstring sections as examples.

The package's docstrings use the Google-style heading ``Example:``; griffe only recognises the
plural ``Examples:`` and would otherwise render the doctest lines as nested block quotes. Loaded
by mkdocstrings (``extensions`` in mkdocs.yml); the docstrings themselves are left unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:[ \t]*$", re.MULTILINE)


class ExampleSections(griffe.Extension):
    """Rename ``Example:`` section headings to ``Examples:`` before docstrings are parsed."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
