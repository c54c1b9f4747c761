"""The baked editing module edits .env with python-dotenv's own parser:
a differential test against `dotenv_values` over generated files, read as
the app reads them (interpolation on).

EDITING_UNDER_TEST names another editing.py to test (scripts/mutation.py
points it at a mutated copy), ENVFILE_EXAMPLES the number of files.
"""

import io
import os
import secrets
from pathlib import Path

import pytest
from dotenv import dotenv_values
from dotenv.parser import parse_stream
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import TEMPLATE_PROJECT, load_package_module

EDITING = TEMPLATE_PROJECT / "{{cookiecutter.project_slug}}/secret/editing.py"
editing = load_package_module(
    Path(os.environ.get("EDITING_UNDER_TEST", EDITING)), "editing", EDITING.parent
)
envfile = editing
NAMES = ["FLASK_SECRET_KEY", "FLASK_SECRET_KEY_FALLBACKS", "A", "B_2"]
EXAMPLES = int(os.environ.get("ENVFILE_EXAMPLES", "2000"))


def quoted_name(name):
    return st.sampled_from([name, f"'{name}'", f'"{name}"', f"export {name}"])


values = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_characters="\r\n", exclude_categories=["Cs"]
    ),
    max_size=12,
)


@st.composite
def line(draw):
    """One statement of a .env file, of any kind python-dotenv meets."""
    name = draw(st.sampled_from(NAMES))
    key = draw(quoted_name(name))
    value = draw(values)
    single = value.replace("\\", "\\\\").replace("'", "\\'")
    double = value.replace("\\", "\\\\").replace('"', '\\"')
    return draw(
        st.sampled_from(
            [
                f"{key}={value.replace('#', '').strip()}",
                f"{key}=plain # a comment",
                f"{key}='{single}'",
                f'{key}="{double}"',
                f'{key}="first\nFLASK_SECRET_KEY=inside\nlast"',  # multi-line
                f"{key}= # fill me in",
                f"{key}=",
                name,  # a bare name: unsets it
                f"{key}=${{A}}-x",  # interpolation
                f"{key}='${{A}}'",  # in single quotes too
                f"{key}='$x}}{{y'",
                "# FLASK_SECRET_KEY=commented",
                "",
                "   ",
                f"{key}='unterminated",  # python-dotenv cannot read this
            ]
        )
    )


@st.composite
def env_text(draw):
    """A whole .env file: BOM or not, LF or CRLF, final newline or not."""
    lines = draw(st.lists(line(), max_size=8))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines)
    if draw(st.booleans()):
        text += newline
    if draw(st.booleans()):
        text = envfile.BOM + text
    return text


def read(text):
    """What python-dotenv reads, as the app calls it (interpolation on)."""
    return dotenv_values(stream=io.StringIO(text), interpolate=True)


def bindings(text):
    return list(parse_stream(io.StringIO(text.removeprefix(envfile.BOM))))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
@given(
    text=env_text(),
    name=st.sampled_from(NAMES[:2]),
    value=st.one_of(
        st.just(secrets.token_hex(32)),
        st.lists(values, max_size=3).map(editing.json_text),
        values,
    ),
)
def test_set_binding_agrees_with_python_dotenv(text, name, value):
    """python-dotenv reads back the value set, or it is refused, unchanged;
    every other setting reads as before, and every binding of another name
    keeps its text byte for byte; a file it cannot read is refused."""
    if any(b.error for b in bindings(text)):
        with pytest.raises(envfile.KeyFileError, match="cannot read line"):
            envfile.set_binding(text, ".env", name, value)
        return
    try:
        changed = envfile.set_binding(text, ".env", name, value)
    except envfile.KeyFileError as error:  # only what it would expand
        assert "would not read" in str(error)
        assert "$" in value
        return
    before, after = read(text), read(changed)
    assert after[name] == value
    assert {k: v for k, v in after.items() if k != name} == {
        k: v for k, v in before.items() if k != name
    }
    assert changed.startswith(envfile.BOM) == text.startswith(envfile.BOM)

    # other bindings keep their text (but the blank lines before a dropped
    # binding of `name`, which python-dotenv counts into the next one)
    def texts(of):
        strings = [b.original.string.strip() for b in bindings(of) if b.key != name]
        return [string for string in strings if string]

    assert texts(changed) == texts(text)
    assert [b.key for b in bindings(changed)].count(name) == 1
    if not any(b.key == name for b in bindings(text)):
        # a new binding after the file as it was (and a newline it lacked)
        assert changed.startswith(text)
    if "\r\n" in text and "\n" not in text.replace("\r\n", ""):
        assert "\n" not in changed.replace("\r\n", "")  # CRLF stays CRLF


def test_removing_a_binding_leaves_the_rest(tmp_path):
    text = "A=1\r\nSECRET_KEY_STAGED=sha256:abc\r\n# end\r\n"
    changed = envfile.set_binding(text, ".env", "SECRET_KEY_STAGED", None)
    assert changed == "A=1\r\n# end\r\n"
