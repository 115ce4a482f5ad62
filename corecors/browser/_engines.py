"""The browser engines' measured departures from the Fetch standard, as named profiles.

A :class:`Profile` names an engine and the deviations the project's tests measured in
its Debian build (tests/e2e/test_differential.py runs every fault-server case in
Chromium, Firefox ESR and WebKitGTK and compares each engine's verdict with this
model under the engine's profile; tests/browser/engine_verdicts.json records them and
docs/engines.md is generated from it). ``fetch`` is the standard itself, with no
deviation: the verdict every engine converges on. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The deviations a profile may have: name -> what the engine does, against Fetch
#: (``dict[str, str]``).
DEVIATIONS = {
    "authorization_under_star": (
        "lets Authorization through under Access-Control-Allow-Headers: *, which Fetch forbids"
    ),
}


@dataclass(frozen=True)
class Profile:
    """One engine's behaviour. ``name`` (``str``): ``chromium``, ``firefox``, ``webkit`` or
    ``fetch``. ``title`` (``str``): the engine as users know it. ``measured`` (``str``):
    the build its deviations were measured in. ``deviations`` (``frozenset[str]``, default
    ``frozenset()``): names from :data:`DEVIATIONS`, where this engine departs from Fetch."""

    name: str
    title: str
    measured: str
    deviations: frozenset[str] = frozenset()

    def deviates(self, deviation: str) -> bool:
        """Whether this engine departs from Fetch there. ``deviation`` (``str``): a name
        from :data:`DEVIATIONS`."""
        return deviation in self.deviations


FETCH = Profile("fetch", "the Fetch standard", "the Fetch standard")
#: Each engine's profile and the standard's, by name (``dict[str, Profile]``): measured in
#: Chromium 156, Firefox 153 ESR and WebKitGTK 2.50 (Debian's builds).
PROFILES = {
    profile.name: profile
    for profile in (
        Profile("chromium", "Chromium", "Chromium 156", frozenset({"authorization_under_star"})),
        Profile("firefox", "Firefox", "Firefox 153 ESR", frozenset({"authorization_under_star"})),
        Profile(
            "webkit", "WebKit (Safari)", "WebKitGTK 2.50", frozenset({"authorization_under_star"})
        ),
        FETCH,
    )
}
#: The real engines, in the order verdicts are shown (``tuple[str, ...]``).
ENGINES = ("chromium", "firefox", "webkit")
#: Every ``browser=`` value: the engines and ``"fetch"``, the standard (``tuple[str, ...]``).
BROWSERS = (*ENGINES, "fetch")


def profile(browser: str | Profile) -> Profile:
    """An engine's :class:`Profile`. ``browser`` (``str | Profile``): ``"chromium"``,
    ``"firefox"``, ``"webkit"`` or ``"fetch"``, or a Profile (returned as it is). Raises
    ``ValueError`` for another name, listing the choices."""
    if isinstance(browser, Profile):
        return browser
    found = PROFILES.get(browser)
    if found is None:
        raise ValueError(f"browser {browser!r} is not one of {', '.join(BROWSERS)}")
    return found
