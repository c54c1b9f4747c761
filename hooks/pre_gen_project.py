"""Stop a bake whose values would give a broken project.

Cookiecutter runs this before it renders any file, and removes the project
folder it made when this exits non-zero, so a bad value leaves nothing
behind. The values arrive as JSON data, never pasted into this source. The
key is written afterwards, by post_gen_project.py.
"""

import json
import keyword
import re
import sys
import unicodedata

# what the baked project, its tests and its tools import besides the
# standard library, python's own test package (which sys.stdlib_module_names
# leaves out), and the baked test modules and conftest: a package of any of
# these names would be imported in its place
OTHER_MODULES = frozenset(
    {
        # the app and its dependencies
        "blinker",
        "click",
        "dotenv",
        "flask",
        "flask_debugtoolbar",
        "gunicorn",
        "itsdangerous",
        "jinja2",
        "markupsafe",
        "packaging",
        "werkzeug",
        # the tests, the build and the tools
        "_pytest",
        "conftest",
        "hatchling",
        "iniconfig",
        "pip",
        "pluggy",
        "py",
        "pygments",
        "pytest",
        "ruff",
        "setuptools",
        "test",
        "tests",
        "uv",
        # the baked test modules
        "test_factory",
        "test_headers",
        "test_health",
        "test_pages",
        "test_cli",
        "test_envfile",
        "test_files",
        "test_strength",
        "test_toolbar",
    }
)
# names Windows keeps for devices: no file or folder may have them
WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"{port}{n}" for port in ("com", "lpt") for n in range(10)}
)
MAX_SLUG = 40  # longer names push the baked code over ruff's line length
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+\Z")
# a python identifier that is also a valid distribution name
SLUG = re.compile(r"[a-z]([a-z0-9_]*[a-z0-9])?\Z")
# 3.N, N without a leading zero
PYTHON_VERSION = re.compile(r"3\.([1-9][0-9]*)\Z")
OLDEST_MINOR = 10  # 3.9 reached its end of life in October 2025


def check_slug(slug):
    """Return what is wrong with `slug` as a package name, or None."""
    if not SLUG.match(slug):
        return (
            f"project_slug {slug!r} is not a lowercase Python identifier: use a-z, "
            "0-9 and _, start with a letter and end with a letter or digit, "
            "e.g. project_slug=my_flask_app"
        )
    if keyword.iskeyword(slug):
        return (
            f"project_slug {slug!r} is a Python keyword: pick another, "
            f"e.g. project_slug={slug}_app"
        )
    if slug in sys.stdlib_module_names or slug in OTHER_MODULES:
        return (
            f"project_slug {slug!r} would shadow the module of that name the app "
            f"or its tests need: pick another, e.g. project_slug={slug}_app"
        )
    if slug.startswith("test_"):
        return (
            f"project_slug {slug!r} is named like a test module, which pytest "
            f"would collect and import in its place: pick another, "
            f"e.g. project_slug={slug[5:]}_app"
        )
    if slug in WINDOWS_DEVICES:
        return (
            f"project_slug {slug!r} is a device name on Windows, where no folder "
            f"can have it: pick another, e.g. project_slug={slug}_app"
        )
    if len(slug) > MAX_SLUG:
        return (
            f"project_slug {slug!r} is longer than {MAX_SLUG} characters: pick a "
            f"shorter one, e.g. project_slug={slug[:MAX_SLUG].rstrip('_')}"
        )
    return None


def check_email(email):
    """Return what is wrong with the author's email address, or None; an empty
    one is left out of the project's metadata."""
    if email and not EMAIL.match(email):
        return (
            f"author_email {email!r} is not an email address: give one such as "
            "you@example.com, or leave it empty"
        )
    return None


def check_text(name, value):
    """Return what is wrong with a free-text value, or None."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp"):
            return (
                f"{name} {value!r} contains the control character {char!r}: "
                "type it on one line without control characters"
            )
    return None


def check_python_version(version, newest):
    """Return what is wrong with the oldest supported Python version, or None."""
    match = PYTHON_VERSION.match(version)
    newest_minor = int(newest.split(".")[1])
    if match is None or not OLDEST_MINOR <= int(match.group(1)) <= newest_minor:
        return (
            f"python_version {version!r} is not supported: give the oldest Python "
            f"the project supports, from 3.{OLDEST_MINOR} to {newest}, "
            "e.g. python_version=3.12"
        )
    return None


def check_types(values):
    """Return what is wrong with a value that is not text (a replay file may
    hold any JSON), or None."""
    for name, value in values.items():
        if not isinstance(value, str):
            return (
                f"{name} {value!r} is not text: write it in quotes in the replay "
                f'file or on the command line, e.g. {name}="..."'
            )
    return None


def find_problem(values):
    """Return the first problem with the template values, or None."""
    problem = check_types(values)
    if problem is not None:
        return problem
    problems = (
        check_slug(values["project_slug"]),
        *(
            check_text(name, values[name])
            for name in ("project_name", "description", "author_name", "author_email")
        ),
        check_email(values["author_email"]),
        check_python_version(values["python_version"], values["newest_python"]),
    )
    return next((problem for problem in problems if problem), None)


def read_values():
    """Return the template values, which cookiecutter renders in as JSON."""
    # ''' on purpose: tojson escapes ' but not ", so """ would break
    # fmt: off
    return json.loads(
        r'''{{ {
            "project_name": cookiecutter.project_name,
            "project_slug": cookiecutter.project_slug,
            "description": cookiecutter.description,
            "author_name": cookiecutter.author_name,
            "author_email": cookiecutter.author_email,
            "python_version": cookiecutter.python_version,
            "newest_python": cookiecutter._newest_python,
        } | tojson }}'''
    )
    # fmt: on


def main():
    problem = find_problem(read_values())
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
