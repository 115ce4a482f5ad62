"""The browser's half of CORS, as a pure function of a request and the server's answers.

Implements the Fetch standard's client side (https://fetch.spec.whatwg.org/): whether a
request needs a CORS-preflight request (§4.1 main fetch, "CORS-unsafe request-header names"),
the CORS-preflight fetch (§4.8) with its CORS check (§4.9), the CORS check on the actual
response, redirects, the credentials rules, and which response headers a page's script can
read (§4.1 main fetch step "CORS-exposed header-name list", and "CORS-filtered response").
Standard library only; nothing in the model touches the network (``_exchange``, behind
``corecors check`` and :mod:`corecors.testing`, sends the requests).

A failed check is named as Chromium's DevTools protocol names it (``Network.CorsError``, for
example ``PreflightMissingAllowOriginHeader``), and comes with one sentence saying what to
change on the server. Where Chromium and the standard disagree, this module follows the
standard: Chromium lets ``Authorization`` through under ``Access-Control-Allow-Headers: *``,
which Fetch forbids ("CORS non-wildcard request-header name"); the verdict blocks it as
``HeaderDisallowedByPreflightResponse``. The functions' arguments follow. ``request``
(:class:`BrowserRequest`): what the page asked for; ``response`` (:class:`ServerResponse`):
the server's answer to it.

Browsers depart from the standard in places, measured in each engine's Debian build by the
project's tests: :data:`PROFILES` holds one :class:`Profile` per engine (``chromium``,
``firefox``, ``webkit``) and ``fetch`` (the standard); the functions that judge a
preflight take ``browser=`` (default ``"fetch"``), and a verdict that an engine's deviation
let through names it in ``Verdict.deviations`` (see docs/engines.md).

The model is deliberately independent of :mod:`corecors.engine`: it is the oracle the
engine is tested against, so it shares no code with it (tests/project/test_layout.py
fails on an import across); the few rules both need (tokens, method normalisation,
origin serialisation) are written once on each side, from the standard.
"""

from ._check import (
    BrowserRequest,
    ServerResponse,
    check,
    check_actual,
    check_preflight,
    cors_check,
)
from ._engines import BROWSERS, DEVIATIONS, ENGINES, PROFILES, Profile, profile
from ._exchange import NetworkError as NetworkError
from ._exchange import Report as Report
from ._exchange import Step as Step
from ._exchange import Transport as Transport
from ._exchange import browser_url as browser_url
from ._exchange import run as run
from ._exchange import run_engines as run_engines
from ._reported import reported
from ._safelist import HeaderList as HeaderList
from ._safelist import serialize_origin
from ._verdict import Verdict

__all__ = [
    "BROWSERS",
    "DEVIATIONS",
    "ENGINES",
    "PROFILES",
    "BrowserRequest",
    "Profile",
    "ServerResponse",
    "Verdict",
    "check",
    "check_actual",
    "check_preflight",
    "cors_check",
    "profile",
    "reported",
    "serialize_origin",
]
