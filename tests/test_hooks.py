"""The hooks' functions and the baked envfile module, called directly."""

import os
import stat
import sys

import pytest
from cookiecutter.environment import StrictEnvironment

from tests.helpers import TEMPLATE, TEMPLATE_PROJECT, Key, key_lines, load_module, mode

pre_gen = load_module(TEMPLATE / "hooks/pre_gen_project.py", "pre_gen_project")
post_gen = load_module(TEMPLATE / "hooks/post_gen_project.py", "post_gen_project")
keyfile = post_gen.load_envfile(TEMPLATE_PROJECT / "{{cookiecutter.project_slug}}")

GOOD_VALUES = {
    "project_name": "My Flask App",
    "project_slug": "my_flask_app",
    "description": "An app.",
    "author_name": "Ada",
    "author_email": "ada@example.com",
    "python_version": "3.12",
    "newest_python": "3.15",
}


@pytest.mark.parametrize(
    "slug", ["my_flask_app", "app2", "a", "shop_front_v2", "match", "type"]
)
def test_check_slug_accepts(slug):
    assert pre_gen.check_slug(slug) is None


@pytest.mark.parametrize(
    ("slug", "rule"),
    [
        ("", "not a lowercase Python identifier"),
        ("MyApp", "not a lowercase Python identifier"),
        ("my-app", "not a lowercase Python identifier"),
        ("_private", "not a lowercase Python identifier"),
        ("café", "not a lowercase Python identifier"),
        ("a b", "not a lowercase Python identifier"),
        ("import", "is a Python keyword"),
        ("email", "would shadow"),
        ("async", "is a Python keyword"),
        ("json", "would shadow"),
        ("secrets", "would shadow"),
        ("test", "would shadow"),
        ("flask_debugtoolbar", "would shadow"),
        ("dotenv", "would shadow"),
    ],
)
def test_check_slug_rejects(slug, rule):
    problem = pre_gen.check_slug(slug)
    assert rule in problem
    assert repr(slug) in problem
    assert "\n" not in problem


def test_check_text():
    assert pre_gen.check_text("project_name", "Café ✨ \"quoted\" 'x' \\") is None
    assert "'\\t'" in pre_gen.check_text("author_name", "tab\there")
    assert "'\\u2028'" in pre_gen.check_text("description", "line\u2028separator")


@pytest.mark.parametrize("version", ["3.10", "3.12", "3.15"])
def test_check_python_version_accepts(version):
    assert pre_gen.check_python_version(version, "3.15") is None


@pytest.mark.parametrize(
    "version",
    ["3.9", "3.8", "3.16", "3.09", "3.010", "2.7", "3", "3.11.2", "py311", ""],
)
def test_check_python_version_rejects(version):
    problem = pre_gen.check_python_version(version, "3.15")
    assert problem == (
        f"python_version {version!r} is not supported: give the oldest Python the "
        "project supports, from 3.10 to 3.15, e.g. python_version=3.12"
    )


@pytest.mark.parametrize("value", [123, None, ["a"], {"a": 1}, True])
def test_find_problem_refuses_values_that_are_not_text(value):
    problem = pre_gen.find_problem({**GOOD_VALUES, "project_name": value})
    assert problem.startswith(f"project_name {value!r} is not text")
    assert "\n" not in problem


def test_find_problem_reports_the_first_only():
    assert pre_gen.find_problem(GOOD_VALUES) is None
    bad = {**GOOD_VALUES, "project_slug": "class", "python_version": "2.7"}
    assert "keyword" in pre_gen.find_problem(bad)


def test_next_steps_with_uv():
    steps = post_gen.next_steps("shop", uv=True, windows=False).splitlines()
    assert steps == ["Next steps:", "  cd shop", "  uv run flask run --debug"]


def test_next_steps_with_pip():
    steps = post_gen.next_steps("shop", uv=False, windows=False).splitlines()
    assert steps == [
        "Next steps:",
        "  cd shop",
        "  python -m venv .venv && . .venv/bin/activate",
        '  python -m pip install "pip>=25.1"',
        "  python -m pip install -e . --group dev",
        "  flask run --debug",
    ]


def test_next_steps_with_pip_on_windows():
    steps = post_gen.next_steps("shop", uv=False, windows=True).splitlines()
    assert steps[2] == "  python -m venv .venv && .venv\\Scripts\\activate"


def render_hook(name, values):
    """Render a hook as cookiecutter does, with `values` as the context, and
    run its definitions; return them."""
    source = (TEMPLATE / "hooks" / name).read_text()
    context = {"cookiecutter": {**values, "_newest_python": values["newest_python"]}}
    env = StrictEnvironment(context=context, keep_trailing_newline=True)
    rendered = env.from_string(source).render(**context)
    namespace = {"__name__": "rendered_hook"}
    exec(compile(rendered, name, "exec"), namespace)
    return namespace


def test_hooks_read_values_with_backslashes_and_quotes():
    """Quotes, backslashes and Windows paths reach the hooks intact through tojson."""
    odd = {
        **GOOD_VALUES,
        "project_name": 'Bob\'s "App" \\ 🚀',
        "description": "C:\\Users\\Ada\\flask-secret-template '''",
    }
    assert render_hook("pre_gen_project.py", odd)["read_values"]() == odd
    assert "load_envfile" in render_hook("post_gen_project.py", odd)


def test_envfile_loads_without_flask():
    """envfile, which the post-generation hook imports, needs only the stdlib."""
    package = TEMPLATE_PROJECT / "{{cookiecutter.project_slug}}"
    source = (package / "secret/envfile.py").read_text()
    imports = {
        line.split()[1]
        for line in source.splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imports <= sys.stdlib_module_names


def test_new_keys_are_strong_and_distinct():
    keys = {Key(keyfile.new_key()) for _ in range(1000)}
    assert len(keys) == 1000
    assert all(key.is_hex_256() for key in keys)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FLASK_SECRET_KEY=abc\n", True),
        ("export FLASK_SECRET_KEY = 'abc'\n", True),
        ('OTHER=1\nFLASK_SECRET_KEY="x"', True),
        ("FLASK_SECRET_KEY=\n", False),
        ("FLASK_SECRET_KEY=''\n", False),
        ("# FLASK_SECRET_KEY=abc\n", False),
        ("MY_FLASK_SECRET_KEY=abc\n", False),
        ("", False),
    ],
)
def test_has_key(text, expected):
    assert keyfile.has_key(text) is expected


def test_ensure_key_creates_an_owner_only_file(tmp_path):
    env_file = tmp_path / ".env"
    assert keyfile.ensure_key(env_file) == "created"
    assert mode(env_file) == 0o600
    assert key_lines(env_file)[0].is_hex_256()
    assert env_file.read_text().startswith("# Private settings")


@pytest.mark.parametrize("existing", [None, "A=1\n"], ids=["created", "added"])
def test_ensure_key_file_is_private_from_its_first_moment(
    tmp_path, monkeypatch, existing
):
    """Every file ensure_key opens is owner-only the moment it exists."""
    env_file = tmp_path / ".env"
    if existing is not None:
        env_file.write_text(existing)
    modes = []
    real_open = os.open

    def spying_open(path, flags, *args, **kwargs):
        fd = real_open(path, flags, *args, **kwargs)
        if flags & os.O_CREAT:
            modes.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return fd

    monkeypatch.setattr(os, "open", spying_open)
    old_umask = os.umask(0)  # a kind umask must not be what makes it private
    try:
        keyfile.ensure_key(env_file)
    finally:
        os.umask(old_umask)
    assert modes == [0o600]
    assert mode(env_file) == 0o600


def test_ensure_key_never_replaces_a_key(tmp_path):
    env_file = tmp_path / ".env"
    keyfile.ensure_key(env_file)
    before = env_file.read_bytes()
    assert keyfile.ensure_key(env_file) == "kept"
    assert env_file.read_bytes() == before


def test_ensure_key_makes_a_kept_file_owner_only(tmp_path):
    env_file = tmp_path / ".env"
    keyfile.ensure_key(env_file)
    env_file.chmod(0o644)
    assert keyfile.ensure_key(env_file) == "kept"
    assert mode(env_file) == 0o600


def test_ensure_key_keeps_the_key_where_chmod_is_refused(tmp_path, monkeypatch):
    """On mounts that refuse chmod the bake goes on, keeps the key and says so."""
    env_file = tmp_path / ".env"
    keyfile.ensure_key(env_file)
    env_file.chmod(0o644)
    before = env_file.read_bytes()

    def refuse(path, mode):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(keyfile.os, "chmod", refuse)
    assert keyfile.ensure_key(env_file) == "kept-open"
    assert env_file.read_bytes() == before
    assert "refused" in keyfile.describe("kept-open", env_file)


def test_ensure_key_adds_a_key_and_keeps_other_lines(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("A=1\n# note\nB=2")
    env_file.chmod(0o664)
    assert keyfile.ensure_key(env_file) == "added"
    assert env_file.read_text().splitlines()[:3] == ["A=1", "# note", "B=2"]
    assert key_lines(env_file)[0].is_hex_256()
    assert mode(env_file) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == [".env"]


def test_ensure_key_failure_leaves_no_file(tmp_path, monkeypatch):
    """A write that fails half way leaves neither .env nor a temporary file."""

    def fail(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keyfile.os, "fsync", fail)
    with pytest.raises(keyfile.KeyFileError, match="No space left on device"):
        keyfile.ensure_key(tmp_path / ".env")
    assert list(tmp_path.iterdir()) == []


def test_ensure_key_failure_keeps_the_old_file(tmp_path, monkeypatch):
    """A failed rewrite leaves the existing .env as it was, and no temp file."""
    env_file = tmp_path / ".env"
    env_file.write_text("A=1\n")

    def fail(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keyfile.os, "fsync", fail)
    with pytest.raises(keyfile.KeyFileError):
        keyfile.ensure_key(env_file)
    assert env_file.read_text() == "A=1\n"
    assert [path.name for path in tmp_path.iterdir()] == [".env"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: path.mkdir(), "cannot write a key to"),
        (lambda path: path.write_bytes(b"\xff\xfe"), "is not UTF-8 text"),
        (lambda path: path.symlink_to(path.parent / "missing"), "File exists"),
    ],
    ids=["directory", "binary", "dangling-symlink"],
)
def test_ensure_key_errors_are_one_line(tmp_path, make, message):
    env_file = tmp_path / ".env"
    make(env_file)
    with pytest.raises(keyfile.KeyFileError) as error:
        keyfile.ensure_key(env_file)
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "missing").exists()


def test_describe():
    assert keyfile.describe("kept", ".env") == "Kept the secret key already in .env."
