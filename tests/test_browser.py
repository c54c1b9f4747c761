"""What a person sees, in headless Chromium driven by Playwright.

Debian's chromium is used (`playwright install` cannot download browsers on
the CI machines); .ci/run installs it. Screenshots land in test-artifacts/;
`python -m pytest tests/test_browser.py --update-screenshots` also writes the
README's pictures in docs/.
"""

import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.helpers import (
    PANELS,
    TEMPLATE,
    bin_path,
    free_port,
    gunicorn,
    read_key,
    serving,
    wait_for_page,
)

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = TEMPLATE / "test-artifacts"
PICTURES = TEMPLATE / "docs"
# as root, and with no network beyond loopback: no sandbox, no background calls
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: install it with "
            "'apt-get install -y chromium' (.ci/run does)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def save_screenshot(page, name, request=None):
    """Save a screenshot in test-artifacts/; with `request`, also in docs/
    when asked to (the README shows those)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name)
    if request is not None and request.config.getoption("update_screenshots"):
        page.screenshot(path=PICTURES / name)


def test_bake_browser_sees_page_toolbar_and_redacted_key(
    default_project, browser, request
):
    """In debug mode: the page, a counter that goes up, a toolbar whose panels
    open on click, and a Config panel that shows the key redacted."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    args = [bin_path("flask"), "run", "--debug", "--port", str(port)]
    with serving(args, cwd=default_project, env={"FLASK_SECRET_KEY": None}):
        wait_for_page(url)
        page = browser.new_page()
        page.goto(url)
        expect(page.locator("body")).to_contain_text(
            "the secret key is necessary to run the debug toolbar"
        )
        expect(page.locator("#visits")).to_have_text("1")
        page.reload()
        expect(page.locator("#visits")).to_have_text("2")

        toolbar = page.locator("#flDebugToolbar")
        expect(toolbar).to_be_visible()
        header = page.locator("header")
        expect(header).to_have_css("background-color", "rgb(45, 74, 107)")
        save_screenshot(page, "page-with-toolbar.png", request)
        config = page.locator("#flDebugConfigVarsPanel-content")
        expect(config).to_be_hidden()
        page.locator("#flDebugPanelList a", has_text="Config").click()
        expect(config).to_be_visible()
        row = config.get_by_role("row", name=re.compile(r"^SECRET_KEY "))
        expect(row).to_contain_text("********")
        save_screenshot(page, "config-panel.png", request)
        text = page.locator("html").inner_text() + page.content()

        page.locator("#flDebugPanelList a", has_text="Request Vars").click()
        expect(page.locator("#flDebugRequestVarsPanel-content")).to_be_visible()
        expect(config).to_be_hidden()
    shown = read_key(default_project).found_in(text)
    assert not shown


def test_bake_browser_sees_every_panel_on_flask_development_tree(
    flask_dev_project, browser
):
    """With Flask's development wheel (3.2.0.dev) installed by the tests-dev
    job: the page, its counter, and a toolbar whose every panel opens."""
    project, _ = flask_dev_project
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    args = [str(project / ".venv/bin/flask"), "run", "--debug", "--port", str(port)]
    with serving(args, cwd=project, env={"FLASK_SECRET_KEY": None}) as server:
        wait_for_page(url)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(error))
        page.goto(url)
        expect(page.locator("#visits")).to_have_text("1")
        expect(page.locator("#flDebugToolbar")).to_be_visible()
        # the profiler has nothing to open until it is turned on
        for name in sorted(PANELS - {"Profiler"}):
            page.locator(f"#flDebug{name}Panel > a").click()
            expect(page.locator(f"#flDebug{name}Panel-content")).to_be_visible()
        save_screenshot(page, "flask-development-tree.png")
        text = page.locator("html").inner_text() + page.content()
    assert errors == []
    assert "Traceback" not in server.output
    shown = read_key(project).found_in(text + server.output)
    assert not shown


# every Content-Security-Policy violation a page meets, as the browser reports
# it to the page (securitypolicyviolation) and on the console
CATCH_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def watched_page(browser):
    """Return a new page that records CSP violations, and the list the
    console's reports of them go to."""
    page = browser.new_page()
    page.add_init_script(CATCH_VIOLATIONS)
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page, console


def open_styled_and_counting(page, url):
    """Open the page twice: its style applies and its counter counts. Return
    the Content-Security-Policy it came with."""
    response = page.goto(url)
    expect(page.locator("#visits")).to_have_text("1")
    page.reload()
    expect(page.locator("#visits")).to_have_text("2")
    header = page.locator("header")
    expect(header).to_have_css("background-color", "rgb(45, 74, 107)")
    return response.headers["content-security-policy"]


def test_bake_browser_meets_no_csp_violation_in_debug_mode(default_project, browser):
    """flask run --debug, under the debug policy: the page and its style, the
    toolbar with every panel opened, the counter, and no violation at all."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    args = [bin_path("flask"), "run", "--debug", "--port", str(port)]
    with serving(args, cwd=default_project, env={"FLASK_SECRET_KEY": None}):
        wait_for_page(url)
        page, console = watched_page(browser)
        policy = open_styled_and_counting(page, url)
        expect(page.locator("#flDebugToolbar")).to_be_visible()
        for name in sorted(PANELS - {"Profiler"}):
            page.locator(f"#flDebug{name}Panel > a").click()
            expect(page.locator(f"#flDebug{name}Panel-content")).to_be_visible()
        page.locator("#flDebugHideToolBarButton").click()
        expect(page.locator("#flDebugToolbar")).to_be_hidden()
        violations = page.evaluate("window.violations")
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert violations == []
    assert console == []


def test_bake_browser_meets_no_csp_violation_in_production(default_project, browser):
    """Under gunicorn there is no toolbar, and the strict policy holds: the
    page, its style and the counter work with no violation; an inline script
    injected into the page is blocked."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    app = "my_flask_app:create_app()"
    args = gunicorn(sys.executable, "--bind", f"127.0.0.1:{port}", app)
    with serving(args, cwd=default_project, env={"FLASK_SECRET_KEY": None}):
        wait_for_page(url)
        page, console = watched_page(browser)
        policy = open_styled_and_counting(page, url)
        expect(page.locator("#flDebug")).to_have_count(0)
        save_screenshot(page, "production.png")
        clean = page.evaluate("window.violations")
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.injected = true";
                document.body.appendChild(script);
            }"""
        )
        page.wait_for_function("window.violations.length > 0")
        ran = page.evaluate("window.injected === true")
        violations = page.evaluate("window.violations")
    assert clean == []
    assert ran is False
    assert [v.split()[0] for v in violations] == ["script-src-elem"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
