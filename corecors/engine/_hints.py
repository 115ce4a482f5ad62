"""Hints: the one-step fix for the common ways a list option is written wrong.

Beside ``options``, which calls these while it checks each option: a string
where a list belongs (``"GET, POST"``, an environment variable of
comma-separated origins), several items joined in one string, a regex written
where exact origins or header names belong, ``file://`` for a file: page.
Every fix names options as template fields (``{allow_origin_regex}``) so that
adapters word it in their own vocabulary (``ConfigProblem.render``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ._errors import ConfigProblem
from ._origins import OriginSpec, guess_scheme, parse_origin
from ._tokens import TOKEN, normalise_method

# What separates items that were meant as a list: commas and whitespace.
_SEPARATORS = re.compile(r"[\s,]+")

# Signs that a configured origin is a regex, checked only once it failed to
# parse as an origin: anchors, escapes, groups, alternation, ".*", ".+", an
# optional "s" ("https?"), a character class ("api.*.example.com" is a misused
# wildcard, not a regex). An IPv6 literal ("[::1]") always
# has a ':' inside its brackets, a class such as "[a-z]" or "[0-9]" never does.
_REGEX_ORIGIN = re.compile(r"^\^|\$$|\\|\(|\||\.[*+](?!\.)|s\?|\[[^\]:]+\]")

# Signs that a header name is a regex (a token may contain '*', '.', '^', '|',
# '$', so "X-Company-.*" is a valid token that no request header is named).
_REGEX_HEADER = re.compile(r"\*|\.\+|^\^|\$$|\|")


def split_items(text: str) -> list[str]:
    """``"a, b c"`` -> ``["a", "b", "c"]``: the items of a string meant as a list."""
    return [part for part in _SEPARATORS.split(text) if part]


def normalised_item(option: str, item: str) -> str:
    """An item as corecors would normalise it, for a fix the user can paste.

    Origins are normalised when they parse (``"http://a.example/"`` ->
    ``"http://a.example"``); methods as Fetch does; anything else as written.
    """
    if option == "allow_origins" and item not in ("*", "null"):
        return _closest_origin(item) or item
    if option == "allow_methods":
        return normalise_method(item)
    return item


def _closest_origin(item: str) -> str | None:
    """The origin ``item`` was meant as, normalised: ``"localhost:5173"`` ->
    ``"http://localhost:5173"``, ``"https://a.example/app"`` -> ``"https://a.example"``,
    ``"file://"`` -> ``"null"``; None when there is no such origin."""
    if item.lower().startswith("file:"):
        return "null"
    scheme, sep, rest = item.partition("://")
    if not sep:
        scheme, rest = guess_scheme(item), item
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    spec = parse_origin(f"{scheme}://{authority}")
    return spec.serialise() if isinstance(spec, OriginSpec) else None


def _is_regex_origin(item: str) -> bool:
    """Whether an allow_origins item is a regex: not an origin, and regex-like."""
    if isinstance(parse_origin(item), OriginSpec) or item.lower().startswith("file:"):
        return False
    return _REGEX_ORIGIN.search(item) is not None


def one_string(option: str, value: str | bytes, items: list[str]) -> ConfigProblem:
    """E011 for one string where a list belongs, with the list (and, for regexes
    among the origins, the allow_origin_regex) to write instead."""
    regexes = [item for item in items if option == "allow_origins" and _is_regex_origin(item)]
    if regexes == items and len(items) == 1:  # allow_origins=r"^https://.*\.example\.com$"
        return _moved_regex(items[0])._replace(value=value)
    kept = [item for item in items if item not in regexes]
    fix = f"write {{{option}}}={list_literal(option, kept)}"
    if regexes:
        moved = ", ".join(_literal(_raw(item)) for item in regexes)
        fix += f" and {{allow_origin_regex}}=[{moved}]"
    return ConfigProblem.templated(
        "E011", option, value, "must be a list of strings, not one string", fix
    )


def list_literal(option: str, items: list[str]) -> str:
    """``['a', 'b']`` with each item normalised, its braces doubled for a template."""
    shown = repr([normalised_item(option, item) for item in items])
    return shown.replace("{", "{{").replace("}", "}}")


def joined_origins(item: str) -> ConfigProblem | None:
    """E001 when one allow_origins item holds several (``"http://a.example, http://b.example"``)."""
    parts = split_items(item)
    if sum("://" in part for part in parts) < 2:
        return None
    return ConfigProblem.templated(
        "E001",
        "allow_origins",
        item,
        f"one item holds {len(parts)} origins separated by commas or spaces",
        f"list each as its own item: {{allow_origins}}={list_literal('allow_origins', parts)}",
    )


def regex_origin(item: str) -> ConfigProblem | None:
    """E001 for a regex written in allow_origins (once it failed to parse as an origin)."""
    if _REGEX_ORIGIN.search(item) is None:
        return None
    return _moved_regex(item)


def _moved_regex(item: str) -> ConfigProblem:
    return ConfigProblem.templated(
        "E001",
        "allow_origins",
        item,
        "is a regex, and {allow_origins} takes exact origins and the patterns "
        "'https://*.example.com' and 'http://localhost:*'",
        f"move it to {{allow_origin_regex}}=[{_literal(_raw(item))}] "
        "(matched against the whole origin)",
    )


def compiled_origin(item: re.Pattern[str] | re.Pattern[bytes]) -> ConfigProblem:
    """E011 for a compiled regex in allow_origins: it belongs in allow_origin_regex."""
    return ConfigProblem.templated(
        "E011",
        "allow_origins",
        item,
        "is a compiled regex, and {allow_origins} takes origins as strings",
        "move it to {allow_origin_regex}",
    )


def file_origin(item: str) -> ConfigProblem:
    """E001 for ``file://``: browsers send ``Origin: null`` for file: pages."""
    return ConfigProblem(
        "E001",
        "allow_origins",
        item,
        "is not an origin: browsers send 'Origin: null' for pages opened from files",
        "use 'null', knowing that any sandboxed iframe or data: URL can send "
        "'Origin: null' too (never together with credentials)",
    )


def regex_header(option: str, item: str, code: str = "E008") -> ConfigProblem | None:
    """E008 for a header name that is a regex (``X-Company-.*``, a flask-cors habit)."""
    if _REGEX_HEADER.search(item) is None:
        return None
    if option == "expose_headers":
        wildcard = "or {expose_headers}=['*'] for any (only without credentials)"
    else:
        wildcard = "or {allow_headers}=['*'] for any"
    return ConfigProblem.templated(
        code,
        option,
        item,
        "looks like a regex, but header names are matched literally, not as patterns",
        f"list each header name, e.g. {{{option}}}=['X-Company-Id', 'X-Company-Tenant'], "
        + wildcard,
    )


def slash_regex(item: object, pattern: str) -> ConfigProblem:
    """E004 for an allow_origin_regex ending with '/': no origin ends with a slash."""
    end = "$" if pattern.endswith("$") else ""
    body = pattern.removesuffix("$").rstrip("/")
    fixed = body.removesuffix("\\") + end  # r"...\/": the escape goes with the slash
    return ConfigProblem(
        "E004",
        "allow_origin_regex",
        item,
        "ends with '/', and no origin does (an origin is scheme://host[:port]), so it never "
        "matches",
        f"use {_raw(fixed)}",
    )


def _raw(text: str) -> str:
    """``text`` as a string literal, raw when it can be (a regex reads best that way)."""
    if "'" not in text and not text.endswith("\\"):
        return f"r'{text}'"
    return repr(text)


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def parse_origin_item(item: str) -> OriginSpec | ConfigProblem:
    """One allow_origins item, or the problem with the fix for the usual slips."""
    spec = parse_origin(item)
    if isinstance(spec, OriginSpec):
        return spec
    if item.lower().startswith("file:"):
        return file_origin(item)
    return flask_cors_wildcard(item) or regex_origin(item) or joined_origins(item) or spec


#: flask-cors' habit: ".*.example.com" (any scheme, any prefix), ".*\.example\.com",
#: "https://.*.example.com", "https?://.*.example.com", matched by flask-cors with re.match.
FLASK_CORS_WILDCARD = re.compile(
    r"(?:(?P<scheme>https?\??)://)?\.\*(?:\\?\.)?"
    r"(?P<domain>[A-Za-z0-9-]+(?:\\?\.[A-Za-z0-9-]+)+)"
)


def flask_cors_wildcard(item: str) -> ConfigProblem | None:
    r"""E001 for a flask-cors-style wildcard regex, with the full-match regex to use.

    The regex offered is ``https://[^.]+\.example\.com``: one subdomain label,
    the scheme given (https when none), matched whole; ``.*`` would also accept
    deeper labels, and flask-cors' prefix match accepted ``example.com.evil.io``.
    """
    match = FLASK_CORS_WILDCARD.fullmatch(item)
    if match is None:
        return None
    scheme = "https?" if "?" in (match["scheme"] or "") else match["scheme"] or "https"
    domain = match["domain"].replace("\\.", ".")
    regex = f"{scheme}://[^.]+{re.escape('.' + domain)}"
    return ConfigProblem.templated(
        "E001",
        "allow_origins",
        item,
        "is a flask-cors-style wildcard regex, and {allow_origins} takes exact origins and "
        "the patterns 'https://*.example.com' and 'http://localhost:*'",
        f"move it to {{allow_origin_regex}}=[{_literal(_raw(regex))}] (matched against the "
        f"whole origin: one subdomain label of {domain}), or write the pattern "
        f"{{allow_origins}}=['{scheme.rstrip('?')}://*.{domain}'] for subdomains at any depth",
    )


def header_problem(option: str, item: str) -> ConfigProblem:
    """E008 for a header name: a regex, or not a token."""
    return regex_header(option, item) or ConfigProblem(
        "E008", option, item, "is not a header name", token_fix(item)
    )


def strings(option: str, value: object, problems: list[ConfigProblem]) -> list[str]:
    """The items of a list-of-strings option; a bare string is the classic mistake."""
    if isinstance(value, str | bytes):
        text = value if isinstance(value, str) else value.decode("latin-1")
        problems.append(one_string(option, value, split_items(text)))
        return []
    if not isinstance(value, Iterable):
        problems.append(
            ConfigProblem.templated(
                "E011", option, value, "must be a list of strings", f"write {{{option}}}=[]"
            )
        )
        return []
    good: list[str] = []
    for item in value:
        if isinstance(item, str):
            good.append(item)
        elif isinstance(item, re.Pattern) and option == "allow_origins":
            problems.append(compiled_origin(item))
        else:
            problems.append(
                ConfigProblem(
                    "E011", option, item, "every item must be a string", "write it in quotes"
                )
            )
    return split_list(option, value, good, problems)


def split_list(
    option: str, value: object, items: list[str], problems: list[ConfigProblem]
) -> list[str]:
    """One problem, with the whole corrected list, for items with surrounding spaces
    (empty ones dropped): the mark of ``"a/, b".split(",")`` on an environment variable. Returns
    the items stripped (and origins normalised), so that they are checked no further."""
    if len(items) < 2 or all(item == item.strip() for item in items):
        return items  # one item keeps its own message
    fixed = [normalised_item(option, item.strip()) for item in items if item.strip()]
    slash = ".rstrip('/')" if option == "allow_origins" else ""
    problems.append(
        ConfigProblem.templated(
            "E001" if option == "allow_origins" else "E011",
            option,
            value,
            "has items with surrounding spaces, as a comma-separated "
            "string split with .split(',') gives (an environment variable?)",
            f"use {{{option}}}={_literal(repr(fixed))}; from an environment variable: "
            f"[item.strip(){slash} for item in os.environ['NAME'].split(',') if item.strip()]",
        )
    )
    return fixed


def token_fix(value: str) -> str:
    """How to write a method or header name that is not a token."""
    parts = [part for part in re.split(r"[\s,]+", value) if part]
    if len(parts) > 1 and all(TOKEN.fullmatch(part) for part in parts):
        return f"list each name as its own item: {parts!r}"  # "GET, POST" -> ["GET", "POST"]
    cleaned = "".join(TOKEN.findall(value))
    return f"use {cleaned!r}" if cleaned else "use a name made of letters, digits and '-'"
