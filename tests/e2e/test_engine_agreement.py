"""Decision.allowed is each real engine's verdict, on a sample of random policies and requests.

tests/conformance/test_browser_agreement.py checks the core against corecors' browser
model over Hypothesis' examples; this runs a fixed sample of the same kind of cases in
Chromium, Firefox ESR and WebKitGTK. A server on http://localhost:SPORT answers each
case's preflight and actual request with what ``CORSPolicy.decide`` says for it; the
page, on one of three origins (http://localhost:FPORT, http://127.0.0.1:FPORT,
http://app.front.localhost:FPORT), fetches it. The engine must allow exactly what
the core grants, and read the exposed header when the policy exposes it.

The sample: ``SAMPLE`` cases (seeded, the same in every engine), each without
credentials and, when the policy grants them, with credentials too.
"""

from __future__ import annotations

import random
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from corecors import CORSConfigWarning, CORSPolicy
from corecors.browser import BrowserRequest
from tests.conformance.test_browser_agreement import HEADERS, METHODS, VALUES
from tests.engines import ENGINES, Engine, open_engine

pytestmark = pytest.mark.browser

SAMPLE = 80  # cases per engine (each once or twice: with credentials when granted)
SEED = 19
PAGE_HOSTS = ("localhost", "127.0.0.1", "app.front.localhost")
FETCH = """
async ([url, init]) => {
  try {
    const response = await fetch(url, init);
    await response.text();
    return {status: response.status, total: response.headers.get("x-total")};
  } catch (error) {
    return {error: String(error)};
  }
}
"""


@dataclass(frozen=True)
class Case:
    options: dict[str, Any]
    page: str  # the page's host
    method: str
    headers: dict[str, str]


def _cases(port: int) -> list[Case]:
    """The seeded sample: half the time the policy lists what the request uses."""
    rng = random.Random(SEED)
    origins = [f"http://{host}:{port}" for host in PAGE_HOSTS[:2]]
    config = [*origins, "*", f"http://*.front.localhost:{port}", "null"]
    found = []
    for _ in range(SAMPLE):
        options: dict[str, Any] = {
            "allow_origins": rng.sample(config, rng.randint(0, 3)),
            "allow_methods": rng.sample([*METHODS, "*"], rng.randint(0, 4)),
            "allow_headers": rng.sample([*HEADERS[:3], "*"], rng.randint(0, 3)),
            "allow_credentials": rng.random() < 0.5,
            "expose_headers": rng.sample(["X-Total", "X-Other"], rng.randint(0, 2)),
        }
        page, method = rng.choice(PAGE_HOSTS), rng.choice(METHODS)
        names = rng.sample(HEADERS, rng.randint(0, 3))
        headers = {name: rng.choice(VALUES.get(name, ["1"])) for name in names}
        if rng.random() < 0.5:
            wanted = ([f"http://{page}:{port}"], [method], list(headers))
            keys = ("allow_origins", "allow_methods", "allow_headers")
            for key, more in zip(keys, wanted, strict=True):
                options[key] = [*options[key], *(w for w in more if w not in options[key])]
        found.append(Case(options, page, method, headers))
    return found


def _policy(options: dict[str, Any]) -> CORSPolicy:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CORSConfigWarning)
        return CORSPolicy(**options)


class DecidingServer(ThreadingHTTPServer):
    """Answers /case/N as CORSPolicy.decide says for policy N; the app adds X-Total."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), DecidingHandler)
        self.policies: list[CORSPolicy] = []


class DecidingHandler(BaseHTTPRequestHandler):
    server: DecidingServer
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        policy = self.server.policies[int(self.path.rsplit("/", 1)[1])]
        decision = policy.decide(
            self.command,
            self.headers.get("Origin"),
            self.headers.get("Access-Control-Request-Method"),
            self.headers.get("Access-Control-Request-Headers"),
        )
        preflight = decision.kind == "preflight"
        body = decision.body if preflight else b"app"
        self.send_response_only(decision.status or 200)
        for name, value in decision.headers:
            self.send_header(name, value)
        if not preflight:
            self.send_header("X-Total", "3")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":  # a body after HEAD would corrupt the kept-alive connection
            self.wfile.write(body)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # every method, "patch" and "QUERY" included
            return self._answer
        raise AttributeError(name)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[DecidingServer]:
    running = DecidingServer()
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()
    thread.join(5)


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    with open_engine(request.param) as opened:
        yield opened


def _granted(policy: CORSPolicy, request: BrowserRequest) -> bool:
    """Whether the core grants the exchange: the preflight (when needed) and the request."""
    if request.needs_preflight:
        names = ",".join(request.unsafe_header_names) or None
        if not policy.decide("OPTIONS", request.origin, request.method, names).allowed:
            return False
    return policy.decide(request.method, request.origin).allowed


def test_each_engine_allows_what_the_core_grants(
    engine: Engine, server: DecidingServer, frontend_port: int
) -> None:
    cases = _cases(frontend_port)
    server.policies = [_policy(case.options) for case in cases]
    checked = 0
    for host in PAGE_HOSTS:
        engine.goto(f"http://{host}:{frontend_port}/")
        for index, case in enumerate(cases):
            if case.page != host:
                continue
            policy, url = (
                server.policies[index],
                f"http://localhost:{server.server_port}/case/{index}",
            )
            granted = policy.allow_credentials and "*" not in policy.allow_origins
            for credentials in {False, granted}:
                request = BrowserRequest(f"http://{host}:{frontend_port}", url, case.method,
                                         case.headers, credentials)  # fmt: skip
                init = {"method": case.method, "headers": case.headers, "cache": "no-store",
                        "credentials": "include" if credentials else "omit"}  # fmt: skip
                result = engine.evaluate_async(FETCH, [url, init])
                expected = _granted(policy, request)
                assert ("error" not in result) == expected, (engine.name, case, credentials, result)
                if expected:
                    exposed = "X-Total" in policy.options["expose_headers"]
                    assert (result["total"] == "3") == exposed, (engine.name, case, result)
                checked += 1
    assert checked >= SAMPLE
