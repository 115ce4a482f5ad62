"""The benchmarked stacks: each bare, with its usual CORS library, and with corecors.

Every case gets the same configuration: credentials, four methods, two extra
request headers, one exposed header, max_age 600. The large size adds 10,000
exact origins and 1,000 subdomain patterns (peers get their nearest equivalent:
regexes), and the request's origin is near the end of the list.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

ALLOWED = "https://app.example.com"
REFUSED = "https://evil.example.org"
LARGE_ALLOWED = "https://app9990.client.example"  # near the end of the 10,000
MIB = 1 << 20

METHODS = ["GET", "POST", "PUT", "DELETE"]
HEADERS = ["X-Token", "Authorization"]
EXPOSE = ["X-Total"]


def origins(large: bool) -> tuple[list[str], list[str], list[str], str]:
    """(exact origins, corecors patterns, equivalent regexes, allowed request origin)."""
    if not large:
        return [ALLOWED], [], [], ALLOWED
    exact = [f"https://app{i}.client.example" for i in range(10_000)]
    patterns = [f"https://*.tenant{i}.example" for i in range(1_000)]
    regexes = [rf"https://[a-z0-9.-]+\.tenant{i}\.example" for i in range(1_000)]
    return exact, patterns, regexes, LARGE_ALLOWED


def requests(allowed: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Scenario -> (method, CORS request headers)."""
    preflight = {"Access-Control-Request-Method": "PUT"}
    return {
        "no-origin": ("GET", {}),
        "allowed-get": ("GET", {"Origin": allowed}),
        "allowed-preflight": (
            "OPTIONS",
            {
                "Origin": allowed,
                **preflight,
                "Access-Control-Request-Headers": "content-type,x-token",
            },
        ),
        "refused-get": ("GET", {"Origin": REFUSED}),
        # protect_writes: the front end's own credentialed write (trusted origin).
        "allowed-write": ("POST", {"Origin": allowed, "Sec-Fetch-Site": "cross-site"}),
        "refused-preflight": ("OPTIONS", {"Origin": REFUSED, **preflight}),
        "hostile-headers": (
            "OPTIONS",
            {"Origin": allowed, **preflight, "Access-Control-Request-Headers": "x-a," * (MIB // 4)},
        ),
        "hostile-origin": ("OPTIONS", {"Origin": "https://" + "a" * MIB + ".example", **preflight}),
    }


def corecors_options(large: bool, protect: bool = False) -> dict[str, Any]:
    exact, patterns, _, _ = origins(large)
    return {
        "protect_writes": protect,
        "allow_origins": exact + patterns,
        "allow_credentials": True,
        "allow_methods": METHODS,
        "allow_headers": HEADERS,
        "expose_headers": EXPOSE,
        "max_age": 600,
    }


def _nothing() -> None:
    return None


class Builder:
    """One stack at one size: its three apps, and what to do before timing them."""

    def __init__(
        self,
        apps: dict[str, Any],
        large: bool,
        drive: Callable[..., Any],
        prepare: Callable[[], object] = _nothing,
    ) -> None:
        self.apps = apps
        self.requests = requests(origins(large)[3])
        self.drive = drive
        self.prepare = prepare

    def case(self, case: str, scenario: str) -> tuple[Callable[[], object], Callable[[], object]]:
        """(prepare, call) for one case and scenario."""
        method, headers = self.requests[scenario]
        return self.prepare, self.drive(self.apps[case], method, headers)


# ---------------------------------------------------------------- ASGI (raw app)


async def _asgi_app(scope: Any, receive: Any, send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: Any) -> None:
    return None


def _drive_asgi(app: Any, method: str, headers: dict[str, str]) -> Callable[[], object]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/items",
        "raw_path": b"/items",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"api.example.com"),
            (b"user-agent", b"bench"),
            (b"accept", b"*/*"),
            *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    def call() -> None:
        # Nothing awaits real I/O, so the coroutine runs to completion in one send().
        coroutine = app(scope, _receive, _send)
        try:
            coroutine.send(None)
        except StopIteration:
            return
        raise RuntimeError("the ASGI app suspended: not a direct call")

    return call


class Floor:
    """The no-validation floor: the header work of a CORS middleware that allows all.

    One pass over the request headers for the four CORS ones (Origin and the
    three Access-Control-Request-* of a preflight), the origin and the requested
    headers echoed into a prebuilt header block, every preflight answered (as
    allowed) and every other response given the block (``Vary: Origin`` alone
    without an Origin). What corecors costs beyond this is the deciding itself
    (``time / floor's`` in the table).
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.preflight = [
            (b"access-control-allow-credentials", b"true"),
            (b"access-control-allow-methods", ", ".join(METHODS).encode()),
            (b"access-control-max-age", b"600"),
            (b"vary", b"Origin"),
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", b"0"),
        ]
        self.actual = [
            (b"access-control-allow-credentials", b"true"),
            (b"access-control-expose-headers", ", ".join(EXPOSE).encode()),
            (b"vary", b"Origin"),
        ]
        self.vary = [(b"vary", b"Origin")]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # lifespan and WebSocket pass
            await self.app(scope, receive, send)
            return
        origin = method = requested = None
        private_network = False
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                method = value
            elif name == b"access-control-request-headers":
                requested = value
            elif name == b"access-control-request-private-network":
                private_network = value == b"true"
        if scope["method"] == "OPTIONS" and origin is not None and method:
            headers = [(b"access-control-allow-origin", origin), *self.preflight]
            if requested is not None:
                headers.append((b"access-control-allow-headers", requested))
            if private_network:
                headers.append((b"access-control-allow-private-network", b"true"))
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        # Without Origin, Vary: Origin alone (a response that depends on it).
        block = (
            self.vary
            if origin is None
            else [(b"access-control-allow-origin", origin), *self.actual]
        )

        def send_with_cors(message: Any) -> Any:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [*message.get("headers", ()), *block]
            return send(message)

        await self.app(scope, receive, send_with_cors)


def build_asgi(large: bool) -> Builder:
    from starlette.middleware.cors import CORSMiddleware as StarletteCORS

    from corecors.adapters.asgi import CORSMiddleware

    exact, _, regexes, _ = origins(large)
    peer = StarletteCORS(
        _asgi_app,
        allow_origins=exact,
        allow_origin_regex="|".join(regexes) or None,
        allow_credentials=True,
        allow_methods=METHODS,
        allow_headers=HEADERS,
        expose_headers=EXPOSE,
        max_age=600,
    )
    mine = CORSMiddleware(_asgi_app, **corecors_options(large))
    apps = {"bare": _asgi_app, "peer": peer, "corecors": mine, "floor": Floor(_asgi_app)}
    return Builder(apps, large, _drive_asgi)


# ---------------------------------------------------------------- WSGI (Flask)


def _environ(method: str, headers: dict[str, str]) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/items",
        "QUERY_STRING": "",
        "SERVER_NAME": "api.example.com",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "api.example.com",
        "HTTP_USER_AGENT": "bench",
        "HTTP_ACCEPT": "*/*",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def _drive_wsgi(app: Any, method: str, headers: dict[str, str]) -> Callable[[], object]:
    template = _environ(method, headers)

    def call() -> None:
        response = app(dict(template), _start_response)
        try:
            for _ in response:
                pass
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()

    return call


def _flask_app() -> Any:
    from flask import Flask

    app = Flask("bench")

    @app.route("/items", methods=["GET", "POST", "PUT", "DELETE"])
    def items() -> str:
        return "ok"

    return app


def build_flask(large: bool) -> Builder:
    from flask_cors import CORS as FlaskCORS

    from corecors.adapters.flask import CORS

    exact, _, regexes, _ = origins(large)
    peer = _flask_app()
    FlaskCORS(
        peer,
        origins=exact + regexes,
        supports_credentials=True,
        methods=METHODS,
        allow_headers=HEADERS,
        expose_headers=EXPOSE,
        max_age=600,
    )
    mine = _flask_app()
    bare = mine.wsgi_app  # the same Flask app, unwrapped: no per-instance bias in the overhead
    CORS(mine, **corecors_options(large))
    return Builder({"bare": bare, "peer": peer, "corecors": mine}, large, _drive_wsgi)


# ---------------------------------------------------------------- Django


def _django_view(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")


def urlpatterns() -> list[Any]:
    from django.urls import path

    return [path("items", _django_view)]


def build_django(large: bool) -> Builder:
    import django
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    from corecors import CORSPolicy

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="benchmark",
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF="benchmarks.django_urls",
            INSTALLED_APPS=["corsheaders", "corecors.adapters.django"],
            MIDDLEWARE=[],
            DATABASES={},
            USE_TZ=True,
            LOGGING_CONFIG=None,
        )
        django.setup()
    exact, _, regexes, _ = origins(large)
    # django-cors-headers reads these on every request, so the benchmark sets this
    # size's values before each timed batch (prepare, untimed); corecors reads
    # CORECORS_POLICY when its middleware is built, and they agree anyway.
    values = {
        "CORS_ALLOWED_ORIGINS": exact,
        "CORS_ALLOWED_ORIGIN_REGEXES": regexes,
        "CORS_ALLOW_CREDENTIALS": True,
        "CORS_ALLOW_METHODS": METHODS,
        "CORS_ALLOW_HEADERS": HEADERS,
        "CORS_EXPOSE_HEADERS": EXPOSE,
        "CORS_PREFLIGHT_MAX_AGE": 600,
        "CORECORS_POLICY": CORSPolicy(**corecors_options(large)),
    }

    def prepare() -> None:
        for name, value in values.items():
            setattr(settings, name, value)

    def handler(middleware: list[str]) -> WSGIHandler:
        prepare()
        settings.MIDDLEWARE = middleware
        return WSGIHandler()

    apps = {
        "bare": handler([]),
        "peer": handler(["corsheaders.middleware.CorsMiddleware"]),
        "corecors": handler(["corecors.adapters.django.CORSMiddleware"]),
    }
    return Builder(apps, large, _drive_wsgi, prepare)


def middleware_of(stack: str, app: Any) -> Any:
    """The corecors middleware object inside one stack's "corecors" app."""
    if stack == "flask":
        return app.wsgi_app
    if stack == "django":  # the handler's chain: Django wraps the outermost middleware
        return app._middleware_chain.__wrapped__
    return app


def build(stack: str, large: bool) -> Builder:
    return {"asgi": build_asgi, "flask": build_flask, "django": build_django}[stack](large)
