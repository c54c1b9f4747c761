"""Jinja additions for this template, loaded through `_extensions`.

quoted: free text as a double-quoted string literal, valid in both Python and
TOML. The pre-generation hook has already refused control characters, so
escaping `\\` and `"` is enough. `tojson` would not do: it writes emoji as
surrogate pairs, which TOML rejects.

python_string: the same, for a line of Python that must stay within ruff's
line length however long the text: pieces in parentheses when it does not fit.
"""

import re

from jinja2.ext import Extension

LINE_LENGTH = 88  # ruff's default, which baked projects keep


def quoted(value):
    """Return `value` as a double-quoted Python and TOML string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def python_literal(value):
    """Return `value` as a Python string literal quoted the way ruff format
    writes it: double quotes, unless single quotes need fewer escapes."""
    if value.count('"') > value.count("'"):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return quoted(value)


def python_string(value, column, indent):
    """Return `value` as a Python string literal for a line where it starts
    at `column` and that is indented by `indent`: quoted as it is when it
    fits, else quoted pieces, one per line, in parentheses."""
    literal = python_literal(value)
    if column + len(literal) + 1 <= LINE_LENGTH:  # and a comma
        return literal
    inner = indent + 4
    pieces = [""]
    for word in re.findall(r"\S*\s*", value):
        while word:
            room = LINE_LENGTH - inner - len(python_literal(pieces[-1]))
            if room <= 0 or (pieces[-1] and len(python_literal(word)) - 2 > room):
                pieces.append("")
                continue
            take = word[: max(1, room)]
            while len(python_literal(pieces[-1] + take)) > LINE_LENGTH - inner:
                take = take[:-1]
            pieces[-1] += take
            word = word[len(take) :]
    lines = [" " * inner + python_literal(piece) for piece in pieces if piece]
    return "(\n" + "\n".join(lines) + "\n" + " " * indent + ")"


class TemplateExtension(Extension):
    """Add the quoted and python_string filters."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["quoted"] = quoted
        environment.filters["python_string"] = python_string
