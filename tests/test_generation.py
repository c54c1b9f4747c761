"""Generation, declared as a matrix: every supported combination of values
bakes a project with no template text left in it, that ruff passes as it
is; a smaller subset also passes its own test suite and builds a wheel.

Behaviour of one part is tested where that part lives (the baked project's
own tests for its modules, test_hooks.py for the hooks); this module holds
what every combination must do.
"""

import json
import sys
import tomllib

import pytest

from tests.helpers import TEMPLATE, bin_path, leftover_template_text, run

DEFAULTS = json.loads((TEMPLATE / "cookiecutter.json").read_text())

# license x Docker x the oldest and the newest Python, then odd values
SUPPORTED_COMBINATIONS = [
    {"license": license, "use_docker": docker, "python_version": python}
    for license in ("MIT", "BSD-3-Clause", "Not open source")
    for docker in ("no", "yes")
    for python in ("3.10", "3.15")
] + [
    {"project_name": "Ünïcödé Prøjëct Nämé", "author_name": "Zoë Ångström"},
    {
        "project_name": 'The "Quoted" \\ Backslashed Project, Long Enough To Wrap',
        "author_name": 'O\'Brien "Ace"',
        "description": 'A "quoted" description with a \\ backslash',
        "project_slug": "quoted",
    },
    {"project_slug": "a" * 40, "use_docker": "yes", "author_email": ""},
    {"project_name": "123 Numbers First"},
    {
        "project_name": "My Really Long Project Name That Goes On And On For Ages",
        "project_slug": "long_app",
    },
]
# combinations that also run their own test suite and build a wheel
FULL_CHECKS = [
    SUPPORTED_COMBINATIONS[0],  # the oldest Python
    {"python_version": "3.12"},  # the defaults
    {"project_slug": "a" * 40, "use_docker": "yes", "author_email": ""},
]


def combination_id(values):
    return "-".join(f"{k}={v}"[:24] for k, v in values.items()) or "defaults"


@pytest.mark.parametrize("values", SUPPORTED_COMBINATIONS, ids=combination_id)
def test_bake_combination_is_clean(bake, values):
    """No template text is left, the license and the Python version reach
    pyproject.toml, LICENSE and ruff, and ruff check and ruff format pass."""
    result = bake(**values)
    assert result.exit_code == 0, result.exception
    project = result.project_path
    assert leftover_template_text(project) == []
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    python = values.get("python_version", DEFAULTS["python_version"])
    assert pyproject["project"]["requires-python"] == f">={python}"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + python.replace(".", "")
    license_name = values.get("license", DEFAULTS["license"][0])
    if license_name == "Not open source":
        assert not (project / "LICENSE").exists()
        assert "license" not in pyproject["project"]
    else:
        assert pyproject["project"]["license"] == license_name
        first_line = (project / "LICENSE").read_text().splitlines()[0]
        assert first_line.startswith(license_name.split("-")[0])
    run([bin_path("ruff"), "check", "--no-cache", "."], cwd=project)
    run([bin_path("ruff"), "format", "--check", "--no-cache", "."], cwd=project)


@pytest.mark.parametrize("values", FULL_CHECKS, ids=combination_id)
@pytest.mark.parametrize("fresh_clone", [False, True], ids=["baked", "fresh-clone"])
def test_bake_combination_passes_its_suite_and_builds(bake, values, fresh_clone):
    """The baked project's own tests pass (in a fresh clone too, which has
    no .env), and it builds a wheel: exit codes, not counts."""
    project = bake(**values).project_path
    if fresh_clone:
        (project / ".env").unlink()
    tests = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    suite = run(tests, cwd=project, check=False)
    # on failure, the end of the report (the baked tests never show .env's key)
    assert suite.returncode == 0, "\n".join(suite.stdout.splitlines()[-40:])
    wheel = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps"]
    built = run([*wheel, "--no-build-isolation", "-w", "dist", "."], cwd=project)
    assert built.returncode == 0
    assert len(list((project / "dist").glob("*.whl"))) == 1
