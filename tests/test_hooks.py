"""The hooks' functions, called directly and run as cookiecutter runs them."""

import os
import shutil
import subprocess
import sys

import pytest
from cookiecutter.environment import StrictEnvironment

from tests.helpers import (
    TEMPLATE,
    TEMPLATE_PROJECT,
    key_lines,
    load_module,
    run,
)

pre_gen = load_module(TEMPLATE / "hooks/pre_gen_project.py", "pre_gen_project")
post_gen = load_module(TEMPLATE / "hooks/post_gen_project.py", "post_gen_project")
keyfile = post_gen.load_envfile(TEMPLATE_PROJECT / "{{cookiecutter.project_slug}}")
# all of them judge the hooks: scripts/mutation.py selects them by this mark
pytestmark = pytest.mark.hooks

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
        ("py", "would shadow"),
        ("pluggy", "would shadow"),
        ("iniconfig", "would shadow"),
        ("conftest", "would shadow"),
        ("click", "would shadow"),
        ("jinja2", "would shadow"),
        ("werkzeug", "would shadow"),
        ("gunicorn", "would shadow"),
        ("pip", "would shadow"),
        ("test_secret", "named like a test module"),
        ("con", "device name on Windows"),
        ("nul", "device name on Windows"),
        ("aux", "device name on Windows"),
        ("lpt1", "device name on Windows"),
        ("com0", "device name on Windows"),
        ("com9", "device name on Windows"),
        ("lpt9", "device name on Windows"),
        ("a" * 41, "longer than 40 characters"),
    ],
)
def test_check_slug_rejects(slug, rule):
    problem = pre_gen.check_slug(slug)
    assert rule in problem
    assert repr(slug) in problem
    assert "\n" not in problem


def test_check_slug_suggests_a_name_for_a_test_module():
    assert pre_gen.check_slug("test_secret") == (
        "project_slug 'test_secret' is named like a test module, which pytest "
        "would collect and import in its place: pick another, "
        "e.g. project_slug=secret_app"
    )
    assert pre_gen.check_slug("com10") is None


@pytest.mark.parametrize(
    ("values", "code", "stderr"),
    [
        pytest.param(GOOD_VALUES, 0, "", id="good"),
        pytest.param(
            {**GOOD_VALUES, "project_slug": "class"},
            1,
            "error: project_slug 'class' is a Python keyword: pick another, "
            "e.g. project_slug=class_app\n",
            id="bad",
        ),
    ],
)
def test_pre_gen_hook_runs_as_a_script(tmp_path, values, code, stderr):
    """Rendered and run as cookiecutter runs it: exit 0, or 1 with one line."""
    script = tmp_path / "pre_gen_project.py"
    script.write_text(render_source("pre_gen_project.py", values))
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True
    )
    assert (done.returncode, done.stdout, done.stderr) == (code, "", stderr)


def test_post_gen_hook_imports_the_projects_own_envfile(tmp_path, monkeypatch):
    """An envfile.py elsewhere on sys.path (the hook's temporary folder is
    first) is not the one the hook uses."""
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    (decoy / "envfile.py").write_text("create_env = None\n")
    monkeypatch.syspath_prepend(str(decoy))
    monkeypatch.delitem(sys.modules, "envfile", raising=False)
    before = list(sys.path)
    loaded = post_gen.load_envfile(TEMPLATE_PROJECT / "{{cookiecutter.project_slug}}")
    assert callable(loaded.create_env)
    assert sys.path == before  # the project's folder is taken off again
    monkeypatch.delitem(sys.modules, "envfile", raising=False)


@pytest.mark.parametrize(
    ("uv", "steps"),
    [
        pytest.param(True, ["  uv run flask run --debug"], id="uv"),
        pytest.param(
            False,
            [
                "  python -m venv .venv && . .venv/bin/activate",
                '  python -m pip install "pip>=25.1"',
                "  python -m pip install -e . --group dev",
                "  flask run --debug",
            ],
            id="pip",
        ),
    ],
)
def test_post_gen_hook_runs_as_a_script(tmp_path, uv, steps):
    """Rendered and run in a new project as cookiecutter runs it: .env made,
    and the next steps for what this machine has (this one is not Windows)."""
    project = project_for_the_post_gen_hook(tmp_path)
    done = run_post_gen_hook(tmp_path, project, uv)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        "Created .env with a new secret key (owner-only, gitignored).",
        "Next steps:",
        "  cd my_flask_app",
        *steps,
    ]
    assert key_lines(project / ".env")[0].is_hex_256()


def test_post_gen_hook_stops_with_one_line(tmp_path):
    project = project_for_the_post_gen_hook(tmp_path)
    (project / ".env").mkdir()
    done = run_post_gen_hook(tmp_path, project, uv=False)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "error: .env is a folder, not a file; move it\n"


def project_for_the_post_gen_hook(tmp_path):
    """Return a new project as the post-generation hook finds it: its
    envfile module and .gitignore in place."""
    project = tmp_path / "project"
    secret = project / "my_flask_app" / "secret"
    secret.mkdir(parents=True)
    envfile_source = (
        TEMPLATE_PROJECT / "{{cookiecutter.project_slug}}/secret/envfile.py"
    )
    (secret / "envfile.py").write_text(envfile_source.read_text())
    shutil.copy(TEMPLATE_PROJECT / ".gitignore", project)
    return project


def run_post_gen_hook(tmp_path, project, uv):
    """Run the rendered hook in `project` with only a stand-in uv on PATH."""
    script = tmp_path / "post_gen_project.py"
    script.write_text(render_source("post_gen_project.py", GOOD_VALUES))
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    if uv:
        (bin_folder / "uv").write_text("#!/bin/sh\nexit 1\n")  # never run
        (bin_folder / "uv").chmod(0o755)
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=project,
        env={**os.environ, "PATH": str(bin_folder)},
        capture_output=True,
        text=True,
    )


def test_check_slug_accepts_the_longest():
    assert pre_gen.check_slug("a" * 40) is None


def test_every_baked_module_is_refused_as_a_slug():
    """The baked tests' modules and what they import cannot be package names."""
    tests = TEMPLATE_PROJECT / "tests"
    modules = {path.stem for path in tests.rglob("*.py")}
    assert {"test_cli", "test_toolbar"} <= modules  # tests/secret/ too
    assert modules <= pre_gen.OTHER_MODULES | {"__init__"}
    for module in sorted(modules):
        assert pre_gen.check_slug(module) is not None, module


@pytest.mark.parametrize("email", ["you@example.com", "a.b+c@mail.example.org", ""])
def test_check_email_accepts(email):
    assert pre_gen.check_email(email) is None


@pytest.mark.parametrize("email", ["nope", "a@b", "a b@c.d", "@example.com", "a@.c"])
def test_check_email_rejects(email):
    assert pre_gen.check_email(email) == (
        f"author_email {email!r} is not an email address: give one such as "
        "you@example.com, or leave it empty"
    )


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


def test_next_steps_with_pip_on_windows():
    steps = post_gen.next_steps("shop", uv=False, windows=True).splitlines()
    assert steps[2] == "  python -m venv .venv && .venv\\Scripts\\activate"


def render_source(name, values):
    """Return a hook rendered as cookiecutter renders it, for `values`."""
    source = (TEMPLATE / "hooks" / name).read_text()
    context = {"cookiecutter": {**values, "_newest_python": values["newest_python"]}}
    env = StrictEnvironment(context=context, keep_trailing_newline=True)
    return env.from_string(source).render(**context)


def render_hook(name, values):
    """Render a hook and run its definitions; return them."""
    rendered = render_source(name, values)
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


@pytest.mark.parametrize(
    ("gitignore", "repository", "said"),
    [
        (True, False, "owner-only, gitignored"),
        (False, False, "owner-only"),
        (True, True, "owner-only, gitignored"),
        (
            False,
            True,
            "owner-only, NOT gitignored: add it to .gitignore before any commit",
        ),
    ],
    ids=["listed", "no-gitignore", "repository", "repository-not-ignored"],
)
def test_describe_created_says_only_what_is_true(
    tmp_path, monkeypatch, gitignore, repository, said
):
    """ "gitignored" when git says so, or outside a repository when the
    project's .gitignore lists .env; a warning when git would commit it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    if gitignore:
        shutil.copy(TEMPLATE_PROJECT / ".gitignore", tmp_path)
    if repository:
        run(["git", "init", "-q"], cwd=tmp_path)
    assert keyfile.create_env(".env") == "created"
    assert keyfile.describe("created", ".env") == (
        f"Created .env with a new secret key ({said})."
    )
