"""Jinja additions for this template, loaded through `_extensions`.

quoted: free text as a double-quoted string literal, valid in both Python and
TOML. The pre-generation hook has already refused control characters, so
escaping `\\` and `"` is enough. `tojson` would not do: it writes emoji as
surrogate pairs, which TOML rejects.
"""

from jinja2.ext import Extension


def quoted(value):
    """Return `value` as a double-quoted Python and TOML string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class TemplateExtension(Extension):
    """Add the quoted filter."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["quoted"] = quoted
