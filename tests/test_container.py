"""The baked Dockerfile, built and run for real with podman.

There is no container registry here, so the image's base is made locally
(debootstrap of Debian trixie with its Python 3.13, like the official slim
image) and passed as PYTHON_IMAGE; it is kept in podman's store between runs.
The flags are the ones that work on these machines: runc (crun does not run
under cgroups v1 here) and ulimits within the hard limits.
"""

import fcntl
import json
import re
import secrets
import shlex
import shutil
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from cookiecutter.main import cookiecutter

from tests.helpers import (
    TEMPLATE,
    Key,
    fetch,
    free_port,
    read_key,
    run,
    visits,
    wait_for_page,
)

pytestmark = pytest.mark.container

BASE_IMAGE = "localhost/python-base:trixie"
# runc, not crun ("cgroups in hybrid mode not supported"), and limits within
# the machine's hard limits
FLAGS = [
    "--runtime",
    "runc",
    "--ulimit",
    "nofile=4096:4096",
    "--ulimit",
    "nproc=4096:4096",
]
APP_UID = "10001"


def podman(*args, check=True, timeout=600):
    return run(["podman", *args], cwd="/", check=check, timeout=timeout)


@pytest.fixture(scope="module")
def base_image(tmp_path_factory):
    """A Python base image made without a registry, kept between runs; made
    once, whichever test worker asks first."""
    lock_path = tmp_path_factory.getbasetemp().parent / "python-base.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if podman("image", "exists", BASE_IMAGE, check=False).returncode != 0:
            make_base_image(tmp_path_factory.mktemp("base") / "root")
    return BASE_IMAGE


def make_base_image(root):
    """Debootstrap Debian trixie with its Python into `root`; import it."""
    packages = "python3,python3-venv,python3-pip,python-is-python3,ca-certificates"
    run(
        [
            "debootstrap",
            "--variant=minbase",
            f"--include={packages}",
            "trixie",
            str(root),
            "http://deb.debian.org/debian",
        ],
        cwd="/",
        timeout=600,
    )
    for marker in root.glob("usr/lib/python3*/EXTERNALLY-MANAGED"):
        marker.unlink()  # official Python images have none
    pipeline = f"tar -C {shlex.quote(str(root))} -c . | podman import - {BASE_IMAGE}"
    run(["bash", "-o", "pipefail", "-c", pipeline], cwd="/", timeout=600)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project baked with use_docker=yes, with a secret file made by the
    command compose.yaml documents (and, as on a developer's machine, a .env)."""
    output = tmp_path_factory.mktemp("container")
    project = Path(
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            output_dir=str(output),
            extra_context={"use_docker": "yes"},
        )
    )
    # compose.yaml's documented one-liner (as root, chown needs no sudo)
    text = (project / "compose.yaml").read_text()
    (command,) = re.findall(r"^#   (\(umask.*)$", text, re.M)
    run(["bash", "-c", command.replace("sudo ", "")], cwd=project)
    plant_key_files(project)
    return project


# files that hold keys, left where a developer might: in the package (which
# the image installs), in other folders, each with a marker of its own
PLANTED = [
    "my_flask_app/.env",
    "my_flask_app/.env.local",
    "my_flask_app/templates/prod.env",
    "my_flask_app/static/server.pem",
    "my_flask_app/secret/signing.key",
    "my_flask_app/secrets/token",
    "deploy/fleet.env",
    "deploy/fleet.env.lock",
    "flask_secret_key_fallbacks",
]


def plant_key_files(project):
    """Write each PLANTED file with a random marker; return the markers."""
    markers = {}
    for name in PLANTED:
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        markers[name] = Key(secrets.token_hex(32))
        path.write_text(f"FLASK_SECRET_KEY={markers[name].value}\n")
    (project.parent / "planted.json").write_text(
        json.dumps({name: key.value for name, key in markers.items()})
    )


def planted_keys(project):
    return [
        Key(value)
        for value in json.loads((project.parent / "planted.json").read_text()).values()
    ]


def build(base_image, project, name, *args):
    """Build the project's Dockerfile as `name`."""
    podman(
        "build",
        "--format",
        "docker",  # keeps HEALTHCHECK
        *FLAGS,
        "--network",
        "host",
        "-v",
        "/etc/ssl/certs:/etc/ssl/certs:ro",
        "--build-arg",
        f"PYTHON_IMAGE={base_image}",
        *args,
        "-t",
        name,
        str(project),
        timeout=900,
    )


@pytest.fixture(scope="module")
def image(base_image, project):
    """The project's image, built as the Dockerfile says; removed afterwards."""
    name = f"localhost/fst-test-{int(time.time() * 1000)}"
    build(base_image, project, name)
    yield name
    # not -f: another test worker may hold the same image under its own name
    # (the same build gives the same image), with containers running
    podman("rmi", name, check=False)
    podman("image", "prune", "-f", check=False)  # the builder stage


@pytest.fixture
def container(image, project):
    """Start the image with the key as a read-only mounted secret file."""
    names = []

    def start(*args, secrets=True):
        name = f"fst-{int(time.time() * 1000)}"
        port = free_port()
        mount = []
        if secrets:  # the file itself, read-only, where Compose puts secrets
            secret = "secrets/flask_secret_key"
            mount = ["-v", f"{project / secret}:/run/{secret}:ro"]
            mount += ["-e", f"FLASK_SECRET_KEY_FILE=/run/{secret}"]
        podman(
            "run", *FLAGS, "-d", "--name", name,
            "-p", f"127.0.0.1:{port}:8000", *mount, *args, image,
        )  # fmt: skip
        names.append(name)
        return name, f"http://127.0.0.1:{port}/"

    yield start
    for name in names:
        podman("rm", "-f", name, check=False)


def test_bake_container_serves_with_a_mounted_secret(container, project):
    """The running container serves the page and keeps a session, with the
    key from the secret file; it runs as a non-root user; /healthz passes the
    image's health check; the key is in no log."""
    name, url = container()
    wait_for_page(url + "healthz", timeout=60)
    page, cookie = fetch(url)
    again, _ = fetch(url, cookie)
    assert (visits(page), visits(again)) == (1, 2)
    assert 'id="flDebug"' not in page

    assert podman("exec", name, "id", "-u").stdout.strip() == APP_UID
    health = podman("healthcheck", "run", name, check=False)
    assert health.returncode == 0, health.stdout + health.stderr
    with urllib.request.urlopen(url + "healthz", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        assert response.headers.get("Set-Cookie") is None
    logs = podman("logs", name)
    key = Key((project / "secrets/flask_secret_key").read_text().strip())
    assert not key.found_in(logs.stdout + logs.stderr)
    assert "Booting worker" in logs.stdout + logs.stderr


def test_bake_container_without_a_key_stops_with_one_line(container, image):
    """With no key the container stops at once, with one line saying why."""
    name, _ = container(secrets=False)
    status = podman("wait", name, timeout=60).stdout.strip()
    logs = podman("logs", name)
    output = logs.stdout + logs.stderr
    errors = [line for line in output.splitlines() if "Error" in line]
    assert status == "1"
    assert errors == [
        "Error: FLASK_SECRET_KEY is not set. Run 'flask secret init' in the project "
        "root to create a key in .env, or set FLASK_SECRET_KEY in the environment."
    ]
    assert "Traceback" not in output


def image_files(image, tmp_path):
    """Return {name: bytes} of every file of `image`, exported."""
    created = podman("create", *FLAGS, image, "true").stdout.strip()
    archive = tmp_path / "image.tar"
    try:
        podman("export", "-o", str(archive), created)
    finally:
        podman("rm", "-f", created, check=False)
    with tarfile.open(archive) as tar:
        return {
            member.name.lstrip("./"): tar.extractfile(member).read()
            if member.isfile()
            else b""
            for member in tar
        }


def leaks(files, keys):
    """Return the names of the files that hold one of `keys`."""
    return [
        name
        for name, data in files.items()
        for key in keys
        if key.found_in(data.decode("latin-1"))
    ]


def test_bake_container_image_holds_no_key(image, project, tmp_path):
    """Every file of the exported image: no .env, no secrets folder, neither
    the project's .env key, the secret file's key nor any key planted in the
    package or other folders; no key in its config; its health check
    survived the build."""
    keys = [
        read_key(project),
        Key((project / "secrets/flask_secret_key").read_text().strip()),
        *planted_keys(project),
    ]
    files = image_files(image, tmp_path)
    names = list(files)
    assert sum(1 for data in files.values() if data) > 1000  # a whole system
    assert leaks(files, keys) == []
    assert [n for n in names if n.rsplit("/", 1)[-1].startswith(".env")] == []
    assert [n for n in names if "/secrets/" in n or n.endswith("/secrets")] == []
    assert [
        n for n in names if n.endswith((".pem", ".key")) and "my_flask_app" in n
    ] == []
    assert "app/gunicorn.conf.py" in names

    (config,) = json.loads(podman("image", "inspect", image).stdout)
    env = config["Config"]["Env"]
    assert not [v for v in env if v.startswith("FLASK_SECRET_KEY")]
    assert config["Config"]["User"] == "app"
    assert config["Healthcheck"]["Test"][0] == "CMD"


def test_bake_compose_file_passes_the_key_as_a_secret(project):
    """compose.yaml mounts the secret file and points FLASK_SECRET_KEY_FILE at
    it; its one-liner makes a strong key, owner-only, owned by the app's uid."""
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    web = compose["services"]["web"]
    assert web["secrets"] == ["flask_secret_key"]
    assert (
        web["environment"]["FLASK_SECRET_KEY_FILE"] == "/run/secrets/flask_secret_key"
    )
    assert (
        compose["secrets"]["flask_secret_key"]["file"] == "./secrets/flask_secret_key"
    )
    assert web["ports"] == ["127.0.0.1:8000:8000"]
    secret_file = project / "secrets/flask_secret_key"
    assert Key(secret_file.read_text().strip()).is_hex_256()
    stat = secret_file.stat()
    assert (stat.st_mode & 0o777, str(stat.st_uid)) == (0o600, APP_UID)
    readme = (project / "README.md").read_text().split("## Container", 1)[1]
    one_liner = readme.split("```bash\n", 1)[1].splitlines()[0]
    assert f"#   {one_liner}" in (project / "compose.yaml").read_text()
    ignored = (project / ".dockerignore").read_text().splitlines()
    private = {"**/.env", "**/.env.*", "!**/.env.example", "**/secrets/", "**/*.pem"}
    assert private | {".git/"} <= set(ignored)


def test_bake_container_build_context_holds_no_key(
    base_image, image, project, tmp_path
):
    """The builder stage, which gets the build context, holds none of the
    planted key files: .dockerignore keeps them out in every folder."""
    name = f"{image}-builder"
    build(base_image, project, name, "--target", "builder")
    try:
        files = image_files(name, tmp_path)
    finally:
        podman("rmi", name, check=False)
    assert "build/my_flask_app/__init__.py" in files  # the context arrived
    assert leaks(files, planted_keys(project)) == []
    assert not [
        n
        for n in files
        if n.startswith("build/")
        and n.rsplit("/", 1)[-1] in (".env", "fleet.env", "token")
    ]
