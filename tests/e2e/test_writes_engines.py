"""protect_writes in Firefox ESR and WebKitGTK: forged writes get 403 and never run.

The attacks and legitimate writes of tests/e2e/test_writes.py (Chromium), on the same
four stacks, driven through tests/engines. These drivers cannot observe responses, so
the server says what happened: each API is wrapped in a recorder (``GET /seen``, see
tests/e2e/writes_apps.py) that logs every request's method, path, ``Sec-Fetch-Site``,
``Origin`` and the status it was answered, outside the CORS middleware. An attack
must be logged with 403 and leave the view's run count (``GET /count``) unchanged; a
legitimate write must be logged with 200 and move it. Each route also asserts the
``Sec-Fetch-Site`` the engine sent (``cross-site``, ``same-site`` or none), so it
exercises the mechanism it is named after; a form POST must also show the refusal's
text in the tab.

Routes (the attacking page's host, the API's host), each on 127.0.0.1:

- cross-site, Sec-Fetch-Site: ``127.0.0.1`` to ``localhost`` (both engines).
- same-site subdomain, Sec-Fetch-Site: ``evil.site.localhost`` to ``api.site.localhost``
  (both engines: names under ``localhost`` are loopback and potentially trustworthy;
  both compute ``site.localhost`` as the site, measured: ``same-site``).
- same-site subdomain and cross-site, Origin/Host: to ``api.plain.test`` (plain http,
  not trustworthy: no ``Sec-Fetch-Site``) from ``evil.plain.test`` and from
  ``evil.other.test`` (another site, plain http too: Firefox holds a form POST from a
  secure context such as ``127.0.0.1`` to plain http behind its insecure-form warning,
  ``security.warn_submit_secure_to_insecure``; measured, the request is never sent).
  Firefox's ``network.dns.forceResolve`` maps these names to 127.0.0.1. WebKit
  resolves names through the system alone, and every name that reaches 127.0.0.1
  without editing /etc/hosts (``localhost``, its subdomains, ``127.0.0.1``) is
  potentially trustworthy (``0.0.0.0``, plain and routed to loopback by Linux, WebKit
  refuses to load: measured); so WebKit is given an HTTP proxy on loopback for every
  other name (tests/engines/proxy.py), which sends the request on unchanged to
  127.0.0.1.

So every engine runs every route; no (engine, route) pair is left out.

Legitimate writes, in both engines: the front end's credentialed ``PUT`` (from
``http://localhost:PAGES``, listed with credentials), a same-origin form post (on
``localhost``, ``same-origin``; on ``api.plain.test``, which passes by the Origin/Host
comparison), a top-level navigation from another site (``cross-site``, GET).
The non-browser client case needs no engine: tests/e2e/test_writes.py has it.
Each engine is opened once for the module, the four servers are started once.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from corecors.engine import WRITE_REFUSAL_BODY
from tests.engines import Engine, EngineError, WebKit, loopback_proxy, open_engine
from tests.servers import Server, subprocess_server

from .writes_harness import ATTACKS, STACKS, blank_pages

pytestmark = pytest.mark.browser

WAIT = 20.0  # seconds: a bound on waiting for the server to see a request, never asserted
FRONTEND_HOST = "localhost"  # the front end's page: http://localhost:PAGES


@dataclass(frozen=True)
class Api:
    server: Server
    pages: int  # the attack and front-end pages' port

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.server.port}{path}"

    def count(self) -> int:
        return int(self.server.request("GET", "/count")[2])

    def seen(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = json.loads(self.server.request("GET", "/seen")[2])
        return entries

    def next_request(self, method: str, path: str, after: int) -> dict[str, Any]:
        """The first ``method`` request to ``path`` the server logged after its first
        ``after`` entries (a preflight aside), waiting (bounded) for the browser to send it."""
        deadline = time.monotonic() + WAIT
        while True:
            entries = self.seen()
            found = [e for e in entries[after:] if (e["method"], e["path"]) == (method, path)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no {method} {path} within {WAIT} s: {entries[after:]}")
            time.sleep(0.05)


@pytest.fixture(scope="module")
def apis() -> Iterator[dict[str, Api]]:
    """The four stacks, each on its own server, and the pages server."""
    with contextlib.ExitStack() as started:
        pages = started.enter_context(blank_pages())
        frontend = f"http://{FRONTEND_HOST}:{pages}"
        env = {"WRITES_FRONTEND": frontend}
        yield {
            name: Api(started.enter_context(subprocess_server(cmd, "/count", env=env)), pages)
            for name, cmd in STACKS.items()
        }


@pytest.fixture(scope="module")
def engines() -> Iterator[Callable[[str], Engine]]:
    """``engines(name)``: Firefox or WebKit (behind the loopback proxy), each opened on
    first use, once for the module."""
    with contextlib.ExitStack() as opened:
        started: dict[str, Engine] = {}

        def engine(name: str) -> Engine:
            if name not in started:
                if name == "webkit":
                    proxy = opened.enter_context(loopback_proxy())
                    started[name] = opened.enter_context(WebKit(proxy=proxy))
                else:
                    started[name] = opened.enter_context(open_engine(name))
            return started[name]

        yield engine


def deferred(js: str) -> str:
    """``js`` run just after the driver's call returns: a navigation it starts (a form
    submission, ``location.href``) must not tear down the script the driver awaits."""
    return f"arg => {{ setTimeout(() => ({js})(arg), 0) }}"


def tab_text(engine: Engine, url: str) -> str:
    """The text of the page at ``url`` once the tab has navigated there (after a form
    submission), waiting (bounded); a script may fail while the old page unloads."""
    script = """url => location.href === url && document.readyState === 'complete'
        ? document.body.innerText : null"""
    deadline = time.monotonic() + WAIT
    while True:
        with contextlib.suppress(EngineError):
            text = engine.evaluate_async(script, url)
            if text is not None:
                return str(text).strip()
        if time.monotonic() > deadline:
            raise AssertionError(f"{engine.name}: the tab did not reach {url} within {WAIT} s")
        time.sleep(0.05)


# (route, the attacking page's host, the API's host, the Sec-Fetch-Site the engine sends)
CROSS_SITE = ("cross-site, Sec-Fetch-Site", "127.0.0.1", "localhost", "cross-site")
SAME_SITE = (
    "same-site subdomain, Sec-Fetch-Site",
    "evil.site.localhost",
    "api.site.localhost",
    "same-site",
)
PLAIN_SAME_SITE = ("same-site subdomain, Origin/Host", "evil.plain.test", "api.plain.test", None)
PLAIN_CROSS_SITE = ("cross-site, Origin/Host", "evil.other.test", "api.plain.test", None)
ROUTES = [CROSS_SITE, SAME_SITE, PLAIN_SAME_SITE, PLAIN_CROSS_SITE]
ENGINES = ["firefox", "webkit"]


@pytest.mark.parametrize("stack", list(STACKS))
@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize(
    ("route", "page_host", "api_host", "site"), ROUTES, ids=[route[0] for route in ROUTES]
)
@pytest.mark.parametrize("name", ENGINES)
def test_forged_writes_get_403_and_never_run(
    engines: Callable[[str], Engine],
    name: str,
    apis: dict[str, Api],
    route: str,
    page_host: str,
    api_host: str,
    site: str | None,
    attack: str,
    stack: str,
) -> None:
    engine, api = engines(name), apis[stack]
    engine.goto(f"http://{page_host}:{api.pages}/attack")
    before, logged = api.count(), len(api.seen())
    url = api.url(api_host, "/write")
    engine.evaluate_async(deferred(ATTACKS[attack]), url)
    request = api.next_request("POST", "/write", logged)
    origin = f"http://{page_host}:{api.pages}"
    assert request == {
        "method": "POST",
        "path": "/write",
        "status": 403,
        "site": site,
        "origin": origin,
    }, (engine.name, stack, route, attack)
    if attack == "form POST":  # the tab shows the refusal (and is done navigating)
        assert tab_text(engine, url) == WRITE_REFUSAL_BODY.decode()
    assert api.count() == before  # the view never ran


@pytest.mark.parametrize("stack", list(STACKS))
@pytest.mark.parametrize("name", ENGINES)
def test_the_front_ends_own_credentialed_put_passes(
    engines: Callable[[str], Engine], name: str, apis: dict[str, Api], stack: str
) -> None:
    engine, api = engines(name), apis[stack]
    engine.goto(f"http://{FRONTEND_HOST}:{api.pages}/app")
    before, logged = api.count(), len(api.seen())
    status = engine.evaluate_async(
        """url => fetch(url, {method: 'PUT', credentials: 'include',
            headers: {'content-type': 'application/json'}, body: '{}'}).then(r => r.status)""",
        api.url("localhost", "/write"),
    )
    assert status == 200
    request = api.next_request("PUT", "/write", logged)
    assert request["status"] == 200
    assert request["origin"] == f"http://{FRONTEND_HOST}:{api.pages}"
    assert api.count() == before + 1


# (the API's host, the Sec-Fetch-Site of its own form post)
SAME_ORIGIN = [
    ("localhost", "same-origin"),
    ("api.plain.test", None),  # passes by the Origin/Host comparison
]


@pytest.mark.parametrize("stack", list(STACKS))
@pytest.mark.parametrize(("host", "site"), SAME_ORIGIN)
@pytest.mark.parametrize("name", ENGINES)
def test_a_same_origin_form_post_passes(
    engines: Callable[[str], Engine],
    name: str,
    apis: dict[str, Api],
    host: str,
    site: str | None,
    stack: str,
) -> None:
    engine, api = engines(name), apis[stack]
    engine.goto(api.url(host, "/page"))
    before, logged = api.count(), len(api.seen())
    engine.evaluate_async(deferred("() => document.querySelector('button').click()"))
    request = api.next_request("POST", "/write", logged)
    assert request == {
        "method": "POST",
        "path": "/write",
        "status": 200,
        "site": site,
        "origin": api.url(host, ""),
    }
    assert tab_text(engine, api.url(host, "/write")) == "wrote"
    assert api.count() == before + 1


@pytest.mark.parametrize("stack", list(STACKS))
@pytest.mark.parametrize("name", ENGINES)
def test_a_top_level_navigation_from_another_site_passes(
    engines: Callable[[str], Engine], name: str, apis: dict[str, Api], stack: str
) -> None:
    engine, api = engines(name), apis[stack]
    engine.goto(f"http://127.0.0.1:{api.pages}/attack")
    logged = len(api.seen())
    url = api.url("localhost", "/page")
    engine.evaluate_async(deferred("url => { location.href = url }"), url)
    request = api.next_request("GET", "/page", logged)
    assert (request["method"], request["status"], request["site"]) == ("GET", 200, "cross-site")
    assert tab_text(engine, url) == "Send"  # the API's page, with its form's button
