"""Jinja additions for this template, loaded through `_extensions`.

template_dir(): the hook loads the template's own keyfile.py, but cookiecutter
names the template folder only as it was given (`_repo_dir`, often a relative
path), and the hook runs in the new project's folder. Cookiecutter renders
hooks from inside the template folder, so the current folder at that moment is
the answer.

quoted: free text as a double-quoted string literal, valid in both Python and
TOML. The hook has already refused control characters, so escaping `\\` and
`"` is enough. `tojson` would not do: it writes emoji as surrogate pairs,
which TOML rejects.
"""

import os

from jinja2.ext import Extension


def quoted(value):
    """Return `value` as a double-quoted Python and TOML string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class TemplateExtension(Extension):
    """Add the template_dir() global and the quoted filter."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["template_dir"] = os.getcwd
        environment.filters["quoted"] = quoted
