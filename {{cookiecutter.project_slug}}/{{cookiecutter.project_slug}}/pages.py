from flask import Blueprint, render_template, session

bp = Blueprint("pages", __name__)


@bp.route("/")
def index():
    """Show the page and count this visitor's visits in the signed session."""
    session["visits"] = session.get("visits", 0) + 1
    return render_template("index.html", visits=session["visits"])
