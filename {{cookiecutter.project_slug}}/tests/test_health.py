import secrets

from {{ cookiecutter.project_slug }} import create_app


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.data == b"ok\n"
    assert "Set-Cookie" not in response.headers


def test_healthz_has_no_toolbar_in_debug(project_dir):
    app = create_app({"DEBUG": True, "SECRET_KEY": secrets.token_hex(32)})
    response = app.test_client().get("/healthz")
    assert response.data == b"ok\n"
    assert "Set-Cookie" not in response.headers
