"""Baked projects among the tools Flask developers use: cruft, pre-commit, CI."""

import importlib.metadata
import itertools
import os
import re
import secrets
import shlex
import sys
import tomllib

import pytest
import yaml

from tests.helpers import TEMPLATE, bin_path, copy_template, load_module, mode, run

GIT_USER = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]


def commit_all(folder, message):
    run(["git", "add", "-A"], cwd=folder)
    run(["git", *GIT_USER, "commit", "-qm", message], cwd=folder)


def template_repository(tmp_path):
    """Return a git repository holding this checkout's template files."""
    copy = copy_template(tmp_path / "template")
    run(["git", "init", "-q"], cwd=copy)
    commit_all(copy, "template")
    return copy


def test_bake_cruft_update_never_touches_the_key(tmp_path):
    """cruft create, a template change, cruft update -y: the change arrives and
    .env is byte for byte the same, still owner-only, with no .env.rej."""
    template = template_repository(tmp_path)
    home = {"HOME": str(tmp_path)}
    run(
        [bin_path("cruft"), "create", "--no-input", str(template)],
        cwd=tmp_path,
        env=home,
    )
    project = tmp_path / "my_flask_app"
    run(["git", "init", "-q"], cwd=project)
    commit_all(project, "baked")
    env_before = (project / ".env").read_bytes()

    readme = template / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text() + "\nA line from a newer template.\n")
    commit_all(template, "template change")
    assert run([bin_path("cruft"), "check"], cwd=project, check=False).returncode == 1
    run([bin_path("cruft"), "update", "-y"], cwd=project, env=home)

    assert "A line from a newer template." in (project / "README.md").read_text()
    assert (project / ".env").read_bytes() == env_before
    assert mode(project / ".env") == 0o600
    assert not list(project.glob("*.rej"))
    run([bin_path("cruft"), "check"], cwd=project)


def test_bake_cruft_skips_what_belongs_to_the_project(default_project):
    pyproject = tomllib.loads((default_project / "pyproject.toml").read_text())
    assert pyproject["tool"]["cruft"]["skip"] == [".env", ".secrets.baseline"]


def test_bake_pre_commit_config_is_pinned(default_project):
    """ruff (lint and format) and detect-secrets, at the versions the tests use."""
    config = yaml.safe_load((default_project / ".pre-commit-config.yaml").read_text())
    repos = {repo["repo"].rsplit("/", 1)[1]: repo for repo in config["repos"]}
    ruff = repos["ruff-pre-commit"]
    assert ruff["rev"] == f"v{importlib.metadata.version('ruff')}"
    assert [hook["id"] for hook in ruff["hooks"]] == ["ruff-check", "ruff-format"]
    scanner = repos["detect-secrets"]
    assert scanner["rev"] == f"v{importlib.metadata.version('detect-secrets')}"
    (hook,) = scanner["hooks"]
    assert hook["args"] == ["--baseline", ".secrets.baseline"]


def test_bake_secret_scanner_blocks_a_pasted_key(bake):
    """The pre-commit scanner passes the baked files and fails on a pasted key."""
    project = bake().project_path
    run(["git", "init", "-q"], cwd=project)
    run(["git", "add", "-A"], cwd=project)
    staged = run(["git", "diff", "--cached", "--name-only"], cwd=project).stdout.split()
    hook = [bin_path("detect-secrets-hook"), "--baseline", ".secrets.baseline"]
    assert run([*hook, *staged], cwd=project, check=False).returncode == 0

    pasted = project / "my_flask_app" / "settings.py"
    pasted.write_text(f'SECRET_KEY = "{secrets.token_hex(32)}"\n')
    found = run([*hook, "my_flask_app/settings.py"], cwd=project, check=False)
    assert found.returncode == 1
    assert "my_flask_app/settings.py" in found.stdout


# each action at its newest release (Dec 2026), pinned to that release's commit
PINNED_ACTIONS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "astral-sh/setup-uv": ("20cfd1bf945f4377ade1205e4dbc17946fc9a30d", "v10.0.1"),
}
SYSTEMS = ["ubuntu-latest", "windows-latest", "macos-latest"]
USES = re.compile(r"^\s*(?:- )?uses: (\S+)@(\S+)(.*)$")


def workflow_job(path, name):
    """Return job `name` of a GitHub workflow file."""
    return yaml.safe_load(path.read_text())["jobs"][name]


def uses_lines(path):
    """Return (action, ref, rest of the line) for each `uses:` of a workflow."""
    lines = path.read_text().splitlines()
    return [USES.match(line).groups() for line in lines if "uses:" in line]


@pytest.fixture(params=["template", "bake", "bake-docker"])
def workflows(request, bake):
    """The workflow files of the template, or of a bake (with or without Docker)."""
    if request.param == "template":
        return TEMPLATE / ".github"
    project = bake(use_docker="yes" if request.param == "bake-docker" else "no")
    return project.project_path / ".github"


def test_workflows_pin_every_action_to_a_commit(workflows):
    """Each `uses:` names a full commit SHA of the newest release, with the
    release in a comment; checkout keeps no token on disk."""
    for path in (workflows / "workflows").glob("*.yml"):
        used = uses_lines(path)
        assert used, path
        for action, ref, rest in used:
            sha, version = PINNED_ACTIONS[action]
            assert (ref, rest) == (sha, f"  # {version}"), path
        workflow = yaml.safe_load(path.read_text())
        assert workflow["permissions"] == {}  # none but what a job asks for
        for job in workflow["jobs"].values():
            assert job["permissions"] == {"contents": "read"}
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False


def test_workflows_have_no_zizmor_findings(workflows):
    """zizmor, the GitHub Actions auditor, finds nothing offline, even as its
    pedantic persona."""
    for persona in ("regular", "pedantic"):
        result = run(
            [bin_path("zizmor"), "--offline", f"--persona={persona}", str(workflows)],
            cwd=workflows,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "No findings to report" in result.stdout


def test_bake_dependabot_keeps_actions_and_uv_current(default_project):
    config = yaml.safe_load(
        (default_project / ".github" / "dependabot.yml").read_text()
    )
    ecosystems = {update["package-ecosystem"] for update in config["updates"]}
    assert ecosystems == {"github-actions", "uv"}
    for update in config["updates"]:
        assert update["directory"] == "/"
        assert update["schedule"]["interval"] == "weekly"


@pytest.mark.parametrize(
    ("python_version", "matrix"),
    [
        pytest.param(
            "3.10", ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15"], id="py310"
        ),
        pytest.param("3.12", ["3.12", "3.13", "3.14", "3.15"], id="py312"),
    ],
)
def test_bake_python_version_sets_the_ci_matrix(bake, python_version, matrix):
    """python_version sets the CI matrix, which runs uv on three systems."""
    project = bake(python_version=python_version).project_path
    job = workflow_job(project / ".github/workflows/ci.yml", "test")
    assert job["runs-on"] == "${{ matrix.os }}"
    assert job["strategy"]["matrix"] == {"os": SYSTEMS, "python-version": matrix}
    setup = next(s for s in job["steps"] if s.get("uses", "").startswith("astral"))
    assert setup["with"]["python-version"] == "${{ matrix.python-version }}"
    commands = [step["run"] for step in job["steps"] if "run" in step]
    assert commands == [
        "if [ -f uv.lock ]; then uv sync --locked; else uv sync; fi",
        "uv run ruff check . && uv run ruff format --check .",
        "uv run pytest",
    ]
    assert job["defaults"]["run"]["shell"] == "bash"  # on Windows too


@pytest.mark.parametrize("locked", [True, False], ids=["uv-lock", "no-lock"])
def test_bake_ci_syncs_locked_only_with_a_lock_file(default_project, tmp_path, locked):
    """The CI install step runs `uv sync --locked` exactly when uv.lock exists."""
    job = workflow_job(default_project / ".github/workflows/ci.yml", "test")
    install = next(
        step["run"] for step in job["steps"] if step.get("name") == "Install"
    )
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    fake_uv = fake_bin / "uv"
    fake_uv.write_text('#!/bin/sh\necho "uv $*"\n')
    fake_uv.chmod(0o755)
    project = tmp_path / "project"
    project.mkdir()
    if locked:
        (project / "uv.lock").write_text("")
    path = f"{fake_bin}:{os.environ['PATH']}"
    result = run(["bash", "-c", install], cwd=project, env={"PATH": path})
    assert result.stdout == ("uv sync --locked\n" if locked else "uv sync\n")


def test_template_workflow_bakes_and_tests_on_three_systems():
    """The template's own workflow bakes with uvx and runs the baked checks
    on Linux, Windows and macOS; browser tests stay in .ci/run."""
    job = workflow_job(TEMPLATE / ".github/workflows/ci.yml", "bake")
    assert job["strategy"]["matrix"]["os"] == SYSTEMS
    commands = "\n".join(step["run"] for step in job["steps"] if "run" in step)
    assert "uvx cookiecutter --no-input ." in commands
    for check in ("uv run pytest", "uv run ruff check", "uv run flask secret check"):
        assert check in commands
    assert "chromium" not in commands


def test_template_repository_lint_and_pre_commit():
    """The template repository's own ruff and pre-commit settings hold."""
    run([bin_path("ruff"), "check", "--no-cache", "."], cwd=TEMPLATE)
    run([bin_path("ruff"), "format", "--check", "--no-cache", "."], cwd=TEMPLATE)
    config = yaml.safe_load((TEMPLATE / ".pre-commit-config.yaml").read_text())
    revs = {repo["repo"].rsplit("/", 1)[1]: repo["rev"] for repo in config["repos"]}
    assert revs["ruff-pre-commit"] == f"v{importlib.metadata.version('ruff')}"
    pyproject = tomllib.loads((TEMPLATE / "pyproject.toml").read_text())
    assert "*cookiecutter.project_slug*" in pyproject["tool"]["ruff"]["extend-exclude"]


def marker_names(command):
    """Return the names in a command's -m expressions (pytest's, not
    Python's -m pytest)."""
    words = shlex.split(command)
    expressions = [e for m, e in itertools.pairwise(words) if m == "-m"]
    names = {name for e in expressions for name in re.findall(r"\w+", e)}
    return names - {"not", "and", "or", "pytest"}


def test_mutation_run_selects_tests_by_marker_and_file(default_project):
    """scripts/mutation.py chooses tests by file and by declared marker, never
    by a piece of a test's name, and each module's own tests exist."""
    mutation = load_module(TEMPLATE / "scripts/mutation.py", "mutation_script")
    options = tomllib.loads((TEMPLATE / "pyproject.toml").read_text())
    declared = options["tool"]["pytest"]["ini_options"]["markers"]
    markers = {line.split(":")[0] for line in declared}
    assert set(mutation.OWN_TESTS) == set(mutation.BAKED)
    commands = []
    for name, path in mutation.BAKED.items():
        assert (default_project / path).is_file(), path
        assert (default_project / mutation.OWN_TESTS[name]).is_file(), name
        commands.append(mutation.test_command(name, default_project))
    commands += [mutation.test_command(name, TEMPLATE) for name in mutation.HOOKS]
    assert not [c for c in commands if " -k " in c]
    used = set().union(*map(marker_names, commands))
    assert {"hooks", "wordlist", "slow"} <= used <= markers
    # every test of the hooks' own module is among those the mark selects
    collect = [sys.executable, "-m", "pytest", "--co", "-q", "-o", "addopts="]
    every = run([*collect, "tests/test_hooks.py"], cwd=TEMPLATE).stdout
    marked = run([*collect, "-m", "hooks", "tests/test_hooks.py"], cwd=TEMPLATE).stdout
    assert every.splitlines()[:-1] == marked.splitlines()[:-1]
    assert "tests/test_hooks.py::" in every
