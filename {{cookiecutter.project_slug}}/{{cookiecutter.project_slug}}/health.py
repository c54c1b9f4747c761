from flask import Blueprint

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Tell load balancers and container health checks that the app is up:
    plain text, no session, no cookie, no toolbar."""
    return "ok\n", {"Content-Type": "text/plain; charset=utf-8"}
