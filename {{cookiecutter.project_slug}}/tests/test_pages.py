def test_index(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"the secret key is necessary to run the debug toolbar" in response.data


def test_visits_are_counted_in_the_session(client):
    for expected in (1, 2, 3):
        response = client.get("/")
        assert f'<strong id="visits">{expected}</strong>'.encode() in response.data
    with client.session_transaction() as session:
        assert session["visits"] == 3


def test_visits_start_over_without_the_cookie(app):
    app.test_client().get("/")
    response = app.test_client().get("/")
    assert b'<strong id="visits">1</strong>' in response.data
