"""In debug mode each refusal is on the server's console with its reason and fix; else nothing.

No logging is set up anywhere: the lines reach stderr through Python's
last-resort handler (WARNING and above), as they would for a new user. Every
server of this module is started at once by the module fixture; each test
waits, bounded, until its own server answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs import all_text
from tests.servers import free_port, one

from . import projects
from .console import EVIL, FRONT_END, Console, start, started

PREFLIGHT_LINE = f"CORS preflight refused: origin {EVIL!r} is not allowed; add it to "
REQUEST_LINE = f"CORS request refused: origin {EVIL!r} is not allowed"
UVICORN_WORKER = "uvicorn.workers.UvicornWorker"


def readme_snippet(start: str) -> str:
    """The docs' Python block that starts with ``start``, as written there."""
    found = re.search(rf"```python\n({re.escape(start)}.*?)```", all_text(), re.S)
    assert found is not None, f"the docs lost their snippet starting {start!r}"
    return found.group(1)


def _commands(root: Path) -> dict[str, tuple[list[str], Path, int]]:
    fastapi_debug = projects.fastapi(root / "fastapi-debug", debug=True)
    fastapi = projects.fastapi(root / "fastapi")
    flask = projects.flask(root / "flask")
    django_debug = projects.django(root / "django-debug", debug=True)
    django = projects.django(root / "django")
    django_logging = projects.django(root / "django-logging", extra=readme_snippet("LOGGING = {"))
    basic_config = "import logging\n\nlogging.basicConfig()"
    fastapi_logging = projects.fastapi(root / "fastapi-logging", extra=readme_snippet(basic_config))
    commands: dict[str, tuple[list[str], Path]] = {
        # FastAPI(debug=True) / FastAPI()
        "uvicorn-debug": (["-m", "uvicorn", "main:app", "--port", "{port}"], fastapi_debug),
        "uvicorn": (["-m", "uvicorn", "main:app", "--port", "{port}"], fastapi),
        "gunicorn-uvicorn-worker-debug": (
            ["-m", "gunicorn", "-k", UVICORN_WORKER, "-b", "127.0.0.1:{port}", "main:app"],
            fastapi_debug,
        ),
        # flask run --debug / flask run; gunicorn with Flask's default (debug off)
        "flask-run-debug": (["-m", "flask", "run", "--debug", "--port", "{port}"], flask),
        "flask-run": (["-m", "flask", "run", "--port", "{port}"], flask),
        "gunicorn-flask": (["-m", "gunicorn", "-b", "127.0.0.1:{port}", "app:app"], flask),
        # DEBUG = True / DEBUG = False
        "runserver-debug": (["manage.py", "runserver", "127.0.0.1:{port}"], django_debug),
        "runserver": (["manage.py", "runserver", "127.0.0.1:{port}"], django),
        # Debug mode off, with the README's snippets for production debugging
        "uvicorn-logging": (["-m", "uvicorn", "main:app", "--port", "{port}"], fastapi_logging),
        "runserver-logging": (["manage.py", "runserver", "127.0.0.1:{port}"], django_logging),
        "gunicorn-django-debug": (
            ["-m", "gunicorn", "-b", "127.0.0.1:{port}", "project.wsgi"],
            django_debug,
        ),
    }
    ports = {name: free_port() for name in commands}
    return {
        name: ([a.format(port=ports[name]) for a in arguments], project, ports[name])
        for name, (arguments, project) in commands.items()
    }


@pytest.fixture(scope="module")
def consoles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Console]]:
    root = tmp_path_factory.mktemp("refusals")
    runs: dict[str, Console] = {}
    with started([]) as all_runs:
        for name, (arguments, project, port) in _commands(root).items():
            runs[name] = start(name, arguments, project, port=port)
            all_runs.append(runs[name])
        yield runs


def _refused_requests(console: Console) -> None:
    """A refused preflight, a refused GET and an allowed GET, checked on the wire."""
    console.wait_answering("/todos")
    server = console.server()
    status, headers, body = server.request(
        "OPTIONS", "/todos", {"Origin": EVIL, "Access-Control-Request-Method": "GET"}
    )
    assert status == 400
    assert body.startswith(b"CORS preflight refused: origin not allowed")
    status, headers, _ = server.request("GET", "/todos", {"Origin": EVIL})
    assert status == 200
    assert one(headers, "Access-Control-Allow-Origin") is None
    status, headers, _ = server.request("GET", "/todos", {"Origin": FRONT_END})
    assert status == 200
    assert one(headers, "Access-Control-Allow-Origin") == FRONT_END


#: Debug mode on, no logging set up; and last, debug mode off with the README's snippets.
PRINTING_SERVERS = (
    "uvicorn-debug",
    "gunicorn-uvicorn-worker-debug",
    "flask-run-debug",
    "runserver-debug",
    "gunicorn-django-debug",
    "runserver-logging",
    "uvicorn-logging",
)


@pytest.mark.parametrize("name", PRINTING_SERVERS)
def test_each_refusal_is_printed_with_its_fix(consoles: dict[str, Console], name: str) -> None:
    console = consoles[name]
    _refused_requests(console)
    # Logged before the response is sent; polled anyway, bounded, for slow consoles.
    console.wait_for(REQUEST_LINE)
    stderr = console.stderr()
    assert PREFLIGHT_LINE in stderr
    assert REQUEST_LINE in stderr
    lines = [line for line in stderr.splitlines() if "evil.example.org" in line]
    assert len(lines) == 2, lines  # one line per refusal, nothing for the allowed request


@pytest.mark.parametrize("name", ["uvicorn", "flask-run", "gunicorn-flask", "runserver"])
def test_without_debug_mode_nothing_is_printed(consoles: dict[str, Console], name: str) -> None:
    console = consoles[name]
    _refused_requests(console)
    # The refusals were logged (at DEBUG, shown nowhere) before the responses were
    # sent; the allowed request after them proves the server went on past them.
    text = console.text()
    assert "evil.example.org" not in text
    assert "refused" not in text
