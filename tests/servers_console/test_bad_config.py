"""A configuration mistake stops each server at start-up, with the corecors message.

Every command of this module is started at once by the module fixture (they
only print and exit, so running them side by side keeps the suite fast); each
test then waits, bounded, for its own command's exit and reads its console.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port

from . import projects
from .console import Console, start, started, stop

#: name: (the options as a user writes them, what the console must show).
MISTAKES = {
    "trailing-slash": ('allow_origins=["http://localhost:3000/"]', ["[E002]"]),
    "string-not-list": ('allow_origins="http://localhost:3000"', ["[E011]"]),
    "no-scheme": ('allow_origins=["localhost:3000"]', ["[E001]"]),
    "several": (
        'allow_origins=["http://localhost:3000/"], allow_methods=["GET", "CONNECT"], max_age=-1',
        ["(3 problems)", "[E002]", "[E007]", "[E010]"],
    ),
}
SLASH = MISTAKES["trailing-slash"][0]
SLASH_SETTING = 'CORS_ALLOWED_ORIGINS = ["http://localhost:3000/"]'
UVICORN_STARTUP_FAILED = 3  # uvicorn's exit status when the ASGI lifespan start-up fails
GUNICORN_BOOT_ERROR = 3  # gunicorn's exit status when its worker fails to boot


def _commands(root: Path) -> dict[str, tuple[list[str], Path]]:
    commands = {
        f"uvicorn-{name}": (
            ["-m", "uvicorn", "main:app", "--port", "0"],
            projects.fastapi(root / f"fastapi-{name}", options),
        )
        for name, (options, _) in MISTAKES.items()
    }
    fastapi = projects.fastapi(root / "fastapi-slash", SLASH)
    flask = projects.flask(root / "flask-slash", SLASH)
    django = projects.django(root / "django-slash", SLASH_SETTING, debug=True)
    worker = "uvicorn.workers.UvicornWorker"
    commands.update(
        {
            "uvicorn-lifespan-off": (
                ["-m", "uvicorn", "main:app", "--lifespan", "off", "--port", str(free_port())],
                fastapi,
            ),
            "gunicorn-uvicorn-worker": (
                ["-m", "gunicorn", "-k", worker, "-b", "127.0.0.1:0", "main:app"],
                fastapi,
            ),
            "gunicorn-flask": (["-m", "gunicorn", "-b", "127.0.0.1:0", "app:app"], flask),
            "flask-run": (["-m", "flask", "run", "--port", str(free_port())], flask),
            "gunicorn-django": (["-m", "gunicorn", "-b", "127.0.0.1:0", "project.wsgi"], django),
            "manage-check": (["manage.py", "check"], django),
            "runserver": (["manage.py", "runserver", f"127.0.0.1:{free_port()}"], django),
        }
    )
    return commands


@pytest.fixture(scope="module")
def consoles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Console]]:
    root = tmp_path_factory.mktemp("bad-config")
    runs: dict[str, Console] = {}
    with started([]) as all_runs:
        for name, (arguments, project) in _commands(root).items():
            port = int(arguments[-1]) if arguments[-2] == "--port" else None
            runs[name] = start(name, arguments, project, port=port)
            all_runs.append(runs[name])
        yield runs


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_uvicorn_exits_with_the_message(consoles: dict[str, Console], mistake: str) -> None:
    """`uvicorn main:app` (default --lifespan auto) with app.add_middleware(CORSMiddleware, ...)."""
    console = consoles[f"uvicorn-{mistake}"]
    assert console.wait_exit() == UVICORN_STARTUP_FAILED, console.text()
    text = console.stderr()
    assert "invalid CORS configuration" in text
    for expected in MISTAKES[mistake][1]:
        assert expected in text
    assert "Fix: " in text
    assert "Application startup failed. Exiting." in text
    assert "lifespan' protocol appears unsupported" not in text
    assert "Application startup complete" not in text


def test_gunicorn_with_uvicorn_workers_exits_with_the_message(
    consoles: dict[str, Console],
) -> None:
    console = consoles["gunicorn-uvicorn-worker"]
    assert console.wait_exit() == GUNICORN_BOOT_ERROR, console.text()
    text = console.stderr()
    assert "an origin never ends with a slash. Fix: use 'http://localhost:3000' [E002]" in text
    assert "Worker failed to boot" in text


@pytest.mark.parametrize("name", ["gunicorn-flask", "gunicorn-django"])
def test_gunicorn_exits_with_the_message(consoles: dict[str, Console], name: str) -> None:
    console = consoles[name]
    assert console.wait_exit() == GUNICORN_BOOT_ERROR, console.text()
    text = console.stderr()
    assert "CORSConfigError: invalid CORS configuration (1 problem)" in text
    assert "never ends with a slash. Fix: use 'http://localhost:3000' [E002]" in text
    assert "Worker failed to boot" in text


def test_flask_run_exits_with_the_message(consoles: dict[str, Console]) -> None:
    console = consoles["flask-run"]
    assert console.wait_exit() != 0, console.text()
    text = console.stderr()
    assert "CORSConfigError: invalid CORS configuration (1 problem)" in text
    assert "never ends with a slash. Fix: use 'http://localhost:3000' [E002]" in text
    assert "Running on" not in console.text()


def test_manage_check_fails_with_the_message(consoles: dict[str, Console]) -> None:
    console = consoles["manage-check"]
    assert console.wait_exit() == 1, console.text()
    text = console.stderr()
    assert "(corecors.E002) 'http://localhost:3000/': an origin never ends with a slash" in text
    assert "HINT: Use 'http://localhost:3000'." in text


def test_runserver_shows_the_message_and_never_serves(consoles: dict[str, Console]) -> None:
    """Django's autoreloader keeps the process waiting for a fixed file: no server runs."""
    console = consoles["runserver"]
    console.wait_for("System check identified 1 issue")
    text = console.text()
    assert "(corecors.E002) 'http://localhost:3000/': an origin never ends with a slash" in text
    assert "HINT: Use 'http://localhost:3000'." in text
    assert "Starting development server" not in text
    stop(console)


def test_uvicorn_with_lifespan_off_answers_500_with_the_message(
    consoles: dict[str, Console],
) -> None:
    """Without the lifespan start-up, the first request builds the stack: each request fails."""
    console = consoles["uvicorn-lifespan-off"]
    console.wait_answering("/todos")
    for _ in range(2):
        status, _, _ = console.server().request("GET", "/todos")
        assert status == 500
    console.wait_for("[E002]")
    text = console.stderr()
    assert "corecors.CORSConfigError: invalid CORS configuration" in text
    assert "an origin never ends with a slash. Fix: use 'http://localhost:3000' [E002]" in text
