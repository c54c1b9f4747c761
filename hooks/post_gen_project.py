"""Give the new project a secret key of its own, then say what to do next.

The key is made here at run time and never passes through Jinja: cookiecutter
leaves its rendered copy of this hook behind. The code that writes .env lives
in the baked project (keyfile.py, standard library only) so that the project
can make a key again later; this hook only loads it. An existing key is kept,
so `cookiecutter -f` and `--replay` never log anybody out.
"""

import importlib.util
import json
import sys
from pathlib import Path


def load_keyfile(package_dir):
    """Import the baked project's keyfile module without importing Flask."""
    spec = importlib.util.spec_from_file_location(
        "keyfile", Path(package_dir) / "keyfile.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def remove_license(license_name):
    """Remove the LICENSE file of a project that is not open source."""
    if license_name == "Not open source":
        Path("LICENSE").unlink(missing_ok=True)


def next_steps(slug):
    """Return the commands that take a new user to the running app."""
    return (
        "Next steps:\n"
        f"  cd {slug}\n"
        "  python -m venv .venv && . .venv/bin/activate\n"
        '  python -m pip install -e ".[dev]"\n'
        "  flask run --debug"
    )


def main():
    # ''' on purpose: tojson escapes ' but not ", so """ would break
    # fmt: off
    values = json.loads(
        r'''{{ {
            "project_slug": cookiecutter.project_slug,
            "license": cookiecutter.license,
        } | tojson }}'''
    )
    # fmt: on
    sys.dont_write_bytecode = True  # leave no __pycache__ in the new project
    keyfile = load_keyfile(values["project_slug"])
    try:
        outcome = keyfile.ensure_key(Path(".env"))
    except keyfile.KeyFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    remove_license(values["license"])
    print(keyfile.describe(outcome, ".env"))
    print(next_steps(values["project_slug"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
