import fnmatch
import json
import os
import re
import stat
import sys

import pytest

from tests.helpers import (
    TEMPLATE,
    TEMPLATE_PROJECT,
    baked_files,
    bin_path,
    cookiecutter_cli,
    copy_template,
    key_lines,
    leftover_template_text,
    mode,
    read_key,
    run,
)

BAKED_FILES = [
    ".env",
    ".env.example",
    ".flaskenv",
    ".github/dependabot.yml",
    ".github/workflows/ci.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".secrets.baseline",
    "LICENSE",
    "README.md",
    "docs/secret-key.md",
    "gunicorn.conf.py",
    "pyproject.toml",
    "my_flask_app/__init__.py",
    "my_flask_app/headers.py",
    "my_flask_app/health.py",
    "my_flask_app/pages.py",
    "my_flask_app/secret/__init__.py",
    "my_flask_app/secret/cli.py",
    "my_flask_app/secret/editing.py",
    "my_flask_app/secret/envfile.py",
    "my_flask_app/secret/known_keys.txt",
    "my_flask_app/secret/strength.py",
    "my_flask_app/static/style.css",
    "my_flask_app/templates/base.html",
    "my_flask_app/templates/index.html",
    "my_flask_app/toolbar.py",
    "tests/conftest.py",
    "tests/test_factory.py",
    "tests/test_headers.py",
    "tests/test_health.py",
    "tests/test_pages.py",
    "tests/secret/test_cli.py",
    "tests/secret/test_envfile.py",
    "tests/secret/test_files.py",
    "tests/secret/test_strength.py",
    "tests/secret/test_toolbar.py",
]


def test_bake_with_defaults(default_project):
    """The defaults bake exactly the documented files, and no stray ones."""
    assert default_project.name == "my_flask_app"
    assert baked_files(default_project) == sorted(BAKED_FILES)


def test_bake_with_docker_adds_three_files(bake):
    """use_docker=yes adds the Dockerfile, .dockerignore and compose.yaml only."""
    project = bake(use_docker="yes").project_path
    added = set(baked_files(project)) - set(BAKED_FILES)
    assert added == {".dockerignore", "Dockerfile", "compose.yaml"}
    assert "secrets/" in (project / ".gitignore").read_text().splitlines()


def test_bake_renders_every_template_variable(bake):
    """Every value reaches the files it names (the matrix in
    test_generation.py checks that no template text is left)."""
    result = bake(
        project_name="Shop Front", author_name="Ada Lovelace", use_docker="yes"
    )
    assert result.exit_code == 0, result.exception
    assert leftover_template_text(result.project_path) == []
    assert "Ada Lovelace" in (result.project_path / "LICENSE").read_text()
    assert "# Shop Front" in (result.project_path / "README.md").read_text()


def test_bake_copies_flask_templates_unrendered(default_project):
    """Flask's Jinja templates arrive byte for byte as written."""
    for name in ("base.html", "index.html"):
        template = TEMPLATE_PROJECT / "{{cookiecutter.project_slug}}/templates" / name
        baked = default_project / "my_flask_app/templates" / name
        assert baked.read_bytes() == template.read_bytes()


@pytest.mark.hooks
def test_bake_env_holds_one_strong_key(default_project):
    """.env sets FLASK_SECRET_KEY once, to 64 lowercase hex characters."""
    keys = key_lines(default_project / ".env")
    assert len(keys) == 1
    assert keys[0].is_hex_256()


@pytest.mark.hooks
def test_bake_env_is_owner_only(default_project):
    """.env is created with mode 0600."""
    assert stat.S_ISREG((default_project / ".env").lstat().st_mode)
    assert mode(default_project / ".env") == 0o600


@pytest.mark.hooks
def test_bake_leaves_no_temporary_files(default_project):
    """Writing the key leaves no temporary file or bytecode behind."""
    assert not list(default_project.glob(".env.*.tmp"))
    assert not list(default_project.rglob("__pycache__"))


def test_bake_keys_are_unique(cookies):
    """Many bakes give many different keys."""
    keys = set()
    for _ in range(20):
        result = cookies.bake(template=str(TEMPLATE))
        assert result.exit_code == 0, result.exception
        keys.add(read_key(result.project_path))
    assert len(keys) == 20


def test_bake_key_appears_only_in_env(default_project):
    """The key is in .env and in no other baked file; .env.example has none."""
    key = read_key(default_project)
    for name in baked_files(default_project):
        if name != ".env":
            assert not key.found_in((default_project / name).read_text()), name
    example = (default_project / ".env.example").read_text()
    assert "FLASK_SECRET_KEY=\n" in example
    assert not key_lines(default_project / ".env.example")[0].value


def test_bake_env_example_documents_every_variable(default_project):
    """Each FLASK_* variable the baked code or docs (not tests) name is in
    .env.example (or, for FLASK_APP, in .flaskenv)."""
    example = (default_project / ".env.example").read_text()
    example += (default_project / ".flaskenv").read_text()
    named = set()
    for name in baked_files(default_project):
        if name not in (".env", ".env.example", ".flaskenv") and "tests/" not in name:
            text = (default_project / name).read_text()
            named.update(re.findall(r"\bFLASK_[A-Z_]+\b", text))
    assert "FLASK_SECRET_KEY" in named
    assert sorted(v for v in named if v not in example) == []


# files that hold keys, where people leave them; none may be committed
KEY_FILES = [
    ".env.local",
    ".env.rej",
    "staging.env",
    "deploy/prod.env",
    "deploy/prod.env.lock",
    "my_flask_app/.env",
    "config/.env.production",
    "certs/server.pem",
    "certs/server.key",
    "ops/secrets/token",
    "secrets/flask_secret_key",
]


def test_bake_key_files_never_reach_git(bake, install):
    """The README's fleet example (init, stage, export to its file names),
    run for real, and key files left in other folders: `git add -A` stages
    none of them, and each command says "gitignored" only where git agrees."""
    project = bake().project_path
    python = install(project)
    run(["git", "init", "-q"], cwd=project)
    flask = [python, "-m", "flask", "secret"]
    fleet = ["--env-file", "fleet.env"]
    made = run([*flask, "init", *fleet], cwd=project)
    assert made.stdout == (
        "Created fleet.env with a new secret key (owner-only, gitignored).\n"
    )
    run([*flask, "stage", *fleet], cwd=project)
    exported = run(
        [*flask, "export", *fleet, "--key-file", "flask_secret_key",
         "--fallbacks-file", "flask_secret_key_fallbacks"],
        cwd=project,
    )  # fmt: skip
    assert exported.stderr.count("(owner-only, gitignored)") == 2
    for name in KEY_FILES:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("FLASK_SECRET_KEY=x\n")
    (project / "deploy/.env.example").write_text("FLASK_SECRET_KEY=\n")

    run(["git", "add", "-A"], cwd=project)
    staged = run(["git", "ls-files"], cwd=project).stdout.split()
    assert {".env.example", "deploy/.env.example", ".flaskenv"} <= set(staged)
    private = [".env", "fleet.env", "fleet.env.lock", "flask_secret_key"]
    private += ["flask_secret_key_fallbacks", *KEY_FILES]
    assert all((project / name).exists() for name in private)
    assert sorted(set(private) & set(staged)) == []

    # a name .gitignore does not cover is reported, not called gitignored
    other = run([*flask, "export", *fleet, "--key-file", "mykey.txt"], cwd=project)
    assert "(owner-only, NOT gitignored: add it to .gitignore" in other.stderr


@pytest.mark.hooks
def test_bake_never_prints_or_renders_the_key(tmp_path, cli_config):
    """The key is not in the command's output, nor in the hooks Jinja rendered."""
    temp = tmp_path / "temp"  # cookiecutter leaves rendered hooks here
    temp.mkdir()
    result = cookiecutter_cli(
        cli_config, tmp_path, "--no-input", str(TEMPLATE), env={"TMPDIR": str(temp)}
    )
    key = read_key(tmp_path / "my_flask_app")
    assert not key.found_in(result.stdout + result.stderr)
    assert "Created .env with a new secret key" in result.stdout
    assert "flask run --debug" in result.stdout
    rendered = [path for path in temp.rglob("*") if path.is_file()]
    assert rendered  # the check below looked at something
    assert not [path for path in rendered if key.found_in(path.read_text())]


@pytest.mark.hooks
@pytest.mark.parametrize(
    "again",
    [["--no-input", "-f", str(TEMPLATE)], ["--replay", "-f", str(TEMPLATE)]],
    ids=["overwrite", "replay"],
)
def test_bake_again_keeps_the_key(tmp_path, cli_config, again):
    """Baking over an existing project keeps its key and the user's own files."""
    cookiecutter_cli(cli_config, tmp_path, "--no-input", str(TEMPLATE))
    project = tmp_path / "my_flask_app"
    key = read_key(project)
    own_template = project / "my_flask_app/templates/about.html"
    own_template.write_text("{% extends 'base.html' %}")

    result = cookiecutter_cli(cli_config, tmp_path, *again)

    assert read_key(project) == key
    assert mode(project / ".env") == 0o600
    assert "Kept .env as it is." in result.stdout
    assert own_template.read_text() == "{% extends 'base.html' %}"


@pytest.mark.hooks
def test_bake_again_leaves_an_existing_env_untouched(tmp_path, cli_config):
    """An existing .env without a key, readable by others, is neither parsed
    nor changed: the bake says what to run instead."""
    cookiecutter_cli(cli_config, tmp_path, "--no-input", str(TEMPLATE))
    env_file = tmp_path / "my_flask_app/.env"
    original = b"\xef\xbb\xbf# mine\r\nDATABASE_URL=sqlite:///app.db"
    env_file.write_bytes(original)
    env_file.chmod(0o644)

    result = cookiecutter_cli(cli_config, tmp_path, "--no-input", "-f", str(TEMPLATE))

    assert env_file.read_bytes() == original
    assert mode(env_file) == 0o644
    assert "others can read it: run 'chmod 600 .env'" in result.stdout
    assert "run 'flask secret init'" in result.stdout


@pytest.mark.hooks
def test_bake_again_changes_nothing_outside_the_project(tmp_path, cli_config):
    """A .env that links out of the project: its target stays as it was."""
    cookiecutter_cli(cli_config, tmp_path, "--no-input", str(TEMPLATE))
    outside = tmp_path / "shared.env"
    outside.write_text("SHARED=1\n")
    outside.chmod(0o644)
    env_file = tmp_path / "my_flask_app/.env"
    env_file.unlink()
    env_file.symlink_to(outside)

    cookiecutter_cli(cli_config, tmp_path, "--no-input", "-f", str(TEMPLATE))

    assert env_file.is_symlink()
    assert outside.read_text() == "SHARED=1\n"
    assert mode(outside) == 0o644


@pytest.mark.hooks
def test_bake_fails_cleanly_when_env_cannot_be_written(tmp_path, cli_config):
    """An unusable .env stops the bake with one line, and the project stays."""
    cookiecutter_cli(cli_config, tmp_path, "--no-input", str(TEMPLATE))
    project = tmp_path / "my_flask_app"
    (project / ".env").unlink()
    (project / ".env").mkdir()

    result = cookiecutter_cli(
        cli_config, tmp_path, "--no-input", "-f", str(TEMPLATE), check=False
    )

    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        "error: .env is a folder, not a file; move it"
    ]
    assert (project / "pyproject.toml").exists()
    assert (project / ".env").is_dir()


def test_bake_from_a_relative_template_path(tmp_path, cli_config):
    """A template given by a relative path bakes a project with a key."""
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    relative = os.path.relpath(TEMPLATE, elsewhere)
    output = tmp_path / "out"
    output.mkdir()
    command = [sys.executable, "-m", "cookiecutter", "--config-file", str(cli_config)]
    run([*command, "--no-input", "-o", str(output), relative], cwd=elsewhere)
    assert read_key(output / "my_flask_app").is_hex_256()


def test_bake_copies_only_files_without_template_syntax():
    """Each file copied without rendering has no cookiecutter variable in it."""
    copied = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    patterns = copied["_copy_without_render"]
    files = [
        path.relative_to(TEMPLATE_PROJECT).as_posix()
        for path in TEMPLATE_PROJECT.rglob("*")
        if path.is_file()
    ]
    matched = [f for f in files if any(fnmatch.fnmatch(f, p) for p in patterns)]
    assert "{{cookiecutter.project_slug}}/secret/editing.py" in matched
    assert "{{cookiecutter.project_slug}}/headers.py" in matched
    assert len(matched) == 18
    for name in matched:
        text = (TEMPLATE_PROJECT / name).read_text()
        assert not re.search(r"\{[{%][^}]*cookiecutter", text), name


def template_without(tmp_path, hook):
    """Return a copy of the template with one of its hooks removed."""
    copy = copy_template(tmp_path / "template")
    (copy / "hooks" / hook).unlink()
    return copy


@pytest.mark.hooks
def test_bake_key_is_written_by_the_post_gen_hook(tmp_path, cli_config):
    """Without post_gen_project.py a bake has no .env: that hook writes the key."""
    template = template_without(tmp_path, "post_gen_project.py")
    result = cookiecutter_cli(cli_config, tmp_path, "--no-input", str(template))
    project = tmp_path / "my_flask_app"
    assert (project / "pyproject.toml").exists()
    assert not (project / ".env").exists()
    assert "secret key" not in result.stdout


@pytest.mark.hooks
def test_bake_pre_gen_hook_only_validates(tmp_path, cli_config):
    """Without pre_gen_project.py the key is still written; bad values pass."""
    template = template_without(tmp_path, "pre_gen_project.py")
    cookiecutter_cli(cli_config, tmp_path, "--no-input", str(template))
    assert read_key(tmp_path / "my_flask_app").is_hex_256()
    # the control: a bad value is refused only where that hook is
    for name, source, refused in [("copy", template, False), ("full", TEMPLATE, True)]:
        output = tmp_path / name
        output.mkdir()
        args = ["--no-input", str(source), "project_slug=class"]
        result = cookiecutter_cli(cli_config, output, *args, check=False)
        assert ("is a Python keyword" in result.stderr) is refused
        assert (output / "class").exists() is not refused


def test_readme_pictures_are_pngs_in_docs():
    """Each picture the README shows is a PNG in the repository."""
    readme = (TEMPLATE / "README.md").read_text()
    pictures = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", readme)
    assert pictures == ["docs/page-with-toolbar.png", "docs/config-panel.png"]
    for picture in pictures:
        assert (TEMPLATE / picture).read_bytes().startswith(b"\x89PNG\r\n"), picture


def layout_files(project):
    """Return the files the baked README's layout names: each line starts
    with a path, then names in the same folder, then two spaces or more."""
    readme = (project / "README.md").read_text()
    block = readme.split("## Layout", 1)[1].split("```")[1]
    named = set()
    for line in filter(None, block.splitlines()):
        first, *siblings = re.split(r"\s{2,}", line)[0].split(", ")
        folder = first.rpartition("/")[0]
        named |= {first, *(f"{folder}/{name}" if folder else name for name in siblings)}
    return named


@pytest.mark.parametrize(
    "values",
    [{}, {"use_docker": "yes", "license": "Not open source"}],
    ids=["defaults", "docker-no-license"],
)
def test_bake_readme_layout_names_every_file(bake, values):
    """The baked README's layout names every file of the project, and only
    files that are there."""
    project = bake(**values).project_path
    assert layout_files(project) == set(baked_files(project))


@pytest.mark.parametrize(
    "name",
    [
        "My Really Long Project Name That Goes On And On For Quite A While Yes",
        "Supercalifragilistic" * 6,
        'The "Quoted" \\ Backslashed Project, Long Enough To Need Wrapping Twice Over',
        "Ünïcödé Prøjëct Nämé With Àccents Everywhere, Far Too Long For One Line",
        'A "Quoted" App',
    ],
    ids=["words", "one-long-word", "quotes-backslash", "unicode", "short-quotes"],
)
def test_bake_any_project_name_passes_the_baked_ruff(bake, name):
    """However long the name, the baked code stays within ruff's line length
    and format, and the app shows the name as it was given."""
    project = bake(project_name=name, project_slug="long_app").project_path
    run([bin_path("ruff"), "check", "--no-cache", "."], cwd=project)
    run([bin_path("ruff"), "format", "--check", "--no-cache", "."], cwd=project)
    code = (
        "import secrets; from long_app import create_app; "
        "print(create_app({'SECRET_KEY': secrets.token_hex(32)}).config"
        "['PROJECT_NAME'])"
    )
    shown = run([sys.executable, "-c", code], cwd=project, env={"PYTHONUTF8": "1"})
    assert shown.stdout == name + "\n"


@pytest.mark.parametrize(
    "values", [{}, {"use_docker": "yes"}], ids=["defaults", "docker"]
)
def test_bake_readmes_stay_short(bake, values):
    """Both READMEs fit in 150 lines: what a user needs first; the rest is
    in CONTRIBUTING.md and the baked docs/secret-key.md."""
    project = bake(**values).project_path
    assert len((project / "README.md").read_text().splitlines()) <= 150
    assert len((TEMPLATE / "README.md").read_text().splitlines()) <= 150
    assert (project / "docs/secret-key.md").is_file()
