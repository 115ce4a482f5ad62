"""Run one example API on a real server, with corecors' refusals in the log.

    python -m examples.serve_api --framework fastapi --port 8000 \\
        --allow-origin http://localhost:3000

FastAPI runs on uvicorn, Flask on werkzeug's threaded WSGI server, Django on
either (``--interface asgi`` / ``wsgi``). ``make demo`` and the end-to-end
tests start this module as a subprocess: one framework per process, because
Django's settings are global to a process.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from .items import DEMO_ORIGINS

FRAMEWORKS = ("fastapi", "flask", "django")
# The first interface is the default: Django's classic deployment is WSGI.
INTERFACES = {"fastapi": ("asgi",), "flask": ("wsgi",), "django": ("wsgi", "asgi")}


def configure_logging() -> None:
    """One line per request, and corecors' DEBUG lines that say why a request was refused.

    Without this the browser only reports a generic CORS error; corecors logs
    the reason ("origin 'http://x' is not allowed; add it to allow_origins").
    """
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s api  %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stdout,
        force=True,
    )
    logging.getLogger("corecors").setLevel(logging.DEBUG)
    # uvicorn's start-up banner would print a URL on 127.0.0.1 next to the demo's own.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)


def build_app(framework: str, interface: str, allow_origins: Sequence[str]) -> Any:
    if framework == "fastapi":
        from .fastapi_app import create_app as create_fastapi_app

        return create_fastapi_app(allow_origins)
    if framework == "flask":
        from .flask_app import create_app as create_flask_app

        return create_flask_app(allow_origins)
    from .django_app import create_app as create_django_app

    return create_django_app(allow_origins, interface)


def serve(app: Any, interface: str, host: str, port: int) -> None:
    if interface == "asgi":
        import uvicorn

        # log_config=None: keep the logging configured above (one format for all).
        uvicorn.run(app, host=host, port=port, log_config=None, lifespan="off")
        return
    from werkzeug.serving import WSGIRequestHandler, make_server

    class PlainLogHandler(WSGIRequestHandler):
        # werkzeug colours its request lines with ANSI codes; keep the log plain text.
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            self.log("info", '"%s" %s %s', self.requestline, code, size)

    # SIGTERM or SIGINT (the demo's Ctrl-C): leave serve_forever() and close the socket.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)

    try:
        server = make_server(host, port, app, threaded=True, request_handler=PlainLogHandler)
    except OSError as exc:
        sys.exit(f"cannot listen on {host}:{port}: {exc.strerror}; choose another port")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass  # Ctrl-C: the demo stops us; exit quietly like uvicorn does
    finally:
        server.server_close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", choices=FRAMEWORKS, default="fastapi")
    parser.add_argument("--interface", choices=("asgi", "wsgi"), default=None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--allow-origin",
        action="append",
        dest="origins",
        metavar="ORIGIN",
        help=f"an allowed origin or pattern (repeatable; default {' '.join(DEMO_ORIGINS)})",
    )
    args = parser.parse_args(argv)
    interface = args.interface or INTERFACES[args.framework][0]
    if interface not in INTERFACES[args.framework]:
        parser.error(f"{args.framework} runs on {' or '.join(INTERFACES[args.framework])}")
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)  # never inherit another project's settings
    configure_logging()
    app = build_app(args.framework, interface, args.origins or DEMO_ORIGINS)
    serve(app, interface, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
