"""Give the new project a secret key of its own, in its private .env file.

Cookiecutter runs this in the project folder once every file is rendered. The
key is made here, at run time, with the secrets module, and never passes
through Jinja: cookiecutter leaves its rendered copy of this hook behind.
The code that writes .env is the project's own <slug>/secret/envfile.py
(standard library only), imported from the project just rendered, so the
project's `flask secret` commands run the same code later. A .env that is
there already (`cookiecutter -f`, `--replay`, cruft) is left as it is, unread,
so nobody is logged out and nothing outside the project is touched.
"""

import json
import os
import shutil
import sys


def load_envfile(package):
    """Import the new project's envfile module without importing Flask."""
    sys.dont_write_bytecode = True  # leave no __pycache__ in the project
    sys.path.insert(0, os.path.join(package, "secret"))
    try:
        import envfile
    finally:
        del sys.path[0]
    return envfile


def next_steps(slug, uv, windows):
    """Return the commands that take a new user to the running app: with uv
    when it is installed, else with a venv and pip (25.1+ for --group)."""
    if uv:
        return f"Next steps:\n  cd {slug}\n  uv run flask run --debug"
    activate = r".venv\Scripts\activate" if windows else ". .venv/bin/activate"
    return (
        "Next steps:\n"
        f"  cd {slug}\n"
        f"  python -m venv .venv && {activate}\n"
        '  python -m pip install "pip>=25.1"\n'
        "  python -m pip install -e . --group dev\n"
        "  flask run --debug"
    )


def main():
    # ''' on purpose: tojson escapes ' but not ", so """ would break
    slug = json.loads(r'''{{ cookiecutter.project_slug | tojson }}''')  # fmt: skip
    envfile = load_envfile(slug)
    try:
        outcome = envfile.create_env(".env")
    except envfile.KeyFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(envfile.describe(outcome, ".env"))
    # only looks uv up on PATH: the hook runs nothing that needs the network
    print(next_steps(slug, shutil.which("uv") is not None, os.name == "nt"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
