"""A Jinja addition for the template's hook: where the template folder is.

The hook loads the template's own keyfile.py, but cookiecutter names the
template folder only as it was given (`_repo_dir`, often a relative path), and
the hook runs in the new project's folder. Cookiecutter renders hooks from
inside the template folder, so the current folder at that moment is the answer.
"""

import os

from jinja2.ext import Extension


class TemplateDirExtension(Extension):
    """Add template_dir(): the absolute path of the template folder."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["template_dir"] = os.getcwd
