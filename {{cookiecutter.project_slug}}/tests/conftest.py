import secrets

import pytest

from {{ cookiecutter.project_slug }} import create_app


@pytest.fixture
def app():
    # a throwaway key: tests never need the one in .env
    app = create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(32)})
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
