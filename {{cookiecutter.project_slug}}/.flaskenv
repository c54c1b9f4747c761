# Public settings for the `flask` command; committed to git.
# Private ones (the secret key) belong in .env, which is never committed.
FLASK_APP={{ cookiecutter.project_slug }}
