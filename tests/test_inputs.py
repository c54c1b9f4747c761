import json
import sys
import tomllib

import pytest
from cookiecutter.exceptions import FailedHookException
from markupsafe import escape

from tests.helpers import TEMPLATE, cookiecutter_cli, run


def smoke_test(project, slug):
    """Import the baked app in a fresh Python and fetch its page."""
    code = (
        "import secrets\n"
        f"from {slug} import create_app\n"
        "app = create_app({'SECRET_KEY': secrets.token_hex(32)})\n"
        "page = app.test_client().get('/')\n"
        "assert page.status_code == 200, page.status_code\n"
        "print(page.get_data(as_text=True))\n"
    )
    return run([sys.executable, "-c", code], cwd=project).stdout


@pytest.mark.parametrize(
    ("project_name", "slug"),
    [
        pytest.param('Bob\'s "Quoted" App', "bob_s_quoted_app", id="quotes"),
        pytest.param("Café Crème ✨ 🚀", "cafe_creme", id="unicode"),
        pytest.param("  spaced   out  ", "spaced_out", id="spaces"),
        pytest.param("2048 Game", "app_2048_game", id="leading-digit"),
        pytest.param("../../etc/passwd", "etc_passwd", id="path"),
        pytest.param("!!!", "flask_app", id="punctuation-only"),
        pytest.param("back\\slash", "back_slash", id="backslash"),
        pytest.param("<script>alert(1)</script>", "script_alert_1_script", id="html"),
    ],
)
def test_bake_odd_project_names(bake, project_name, slug):
    """Odd project names bake a working project with a valid slug."""
    result = bake(
        project_name=project_name, description=project_name, author_name=project_name
    )
    assert result.exit_code == 0, result.exception
    project = result.project_path
    assert project.name == slug
    assert project.parent.name.startswith("bake")

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == project_name
    assert pyproject["project"]["authors"][0]["name"] == project_name
    page = smoke_test(project, slug)
    assert "<script>" not in page
    assert f"<h1>{escape(project_name)}</h1>" in page


@pytest.mark.parametrize(
    ("extra_context", "message"),
    [
        pytest.param(
            {"project_name": "Class"},
            "project_slug 'class' is a Python keyword",
            id="keyword",
        ),
        pytest.param(
            {"project_name": "Test"},
            "project_slug 'test' would shadow",
            id="stdlib-test",
        ),
        pytest.param(
            {"project_slug": "secrets"},
            "project_slug 'secrets' would shadow",
            id="stdlib-secrets",
        ),
        pytest.param(
            {"project_slug": "flask"}, "project_slug 'flask' would shadow", id="flask"
        ),
        pytest.param(
            {"project_slug": "tests"}, "project_slug 'tests' would shadow", id="tests"
        ),
        pytest.param(
            {"project_slug": "My-App"},
            "'My-App' is not a lowercase Python identifier",
            id="dash",
        ),
        pytest.param(
            {"project_slug": "1app"},
            "'1app' is not a lowercase Python identifier",
            id="leading-digit",
        ),
        pytest.param(
            {"project_slug": "app_"},
            "'app_' is not a lowercase Python identifier",
            id="trailing-underscore",
        ),
        pytest.param(
            {"project_slug": "../evil"},
            "'../evil' is not a lowercase Python identifier",
            id="path",
        ),
        pytest.param(
            {"project_name": "Line\nBreak"},
            "project_name 'Line\\nBreak' contains",
            id="newline",
        ),
        pytest.param(
            {"author_email": "a@b.c\x1b"},
            "author_email 'a@b.c\\x1b' contains",
            id="escape",
        ),
        pytest.param(
            {"python_version": "3.9"},
            "python_version '3.9' is not supported: give the oldest Python the "
            "project supports, from 3.10 to 3.15",
            id="python-3.9",
        ),
        pytest.param(
            {"python_version": "3.09"},
            "python_version '3.09' is not supported",
            id="leading-zero",
        ),
        pytest.param(
            {"python_version": "three"},
            "python_version 'three' is not supported",
            id="not-a-version",
        ),
    ],
)
def test_bake_rejects_bad_values(tmp_path, cli_config, extra_context, message):
    """A bad value stops the real command with one line and leaves nothing."""
    output = tmp_path / "work/out"
    output.mkdir(parents=True)
    values = [f"{name}={value}" for name, value in extra_context.items()]
    result = cookiecutter_cli(
        cli_config, output, "--no-input", str(TEMPLATE), *values, check=False
    )

    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.stderr
    assert list(output.iterdir()) == []
    assert [path.name for path in output.parent.iterdir()] == ["out"]


def test_bake_reports_a_failed_hook(bake, capfd):
    """pytest-cookies sees a rejected value as a failed hook, exit code -1."""
    result = bake(project_slug="class")
    assert result.exit_code == -1
    assert isinstance(result.exception, FailedHookException)
    assert "is a Python keyword" in capfd.readouterr().err


def test_bake_replay_with_a_number_gives_one_line(tmp_path, cli_config):
    """A replay file whose project_name is a number: one line, no traceback."""
    replay = tmp_path / "replay.json"
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    context["project_name"] = 123
    context["license"] = "MIT"
    context["project_slug"] = "my_app"
    replay.write_text(json.dumps({"cookiecutter": context}))
    output = tmp_path / "out"
    output.mkdir()
    result = cookiecutter_cli(
        cli_config, output, f"--replay-file={replay}", str(TEMPLATE), check=False
    )
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        "error: project_name 123 is not text: write it in quotes in the replay "
        'file or on the command line, e.g. project_name="..."'
    ]
    assert list(output.iterdir()) == []
