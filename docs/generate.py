"""Write the API reference (docs/reference/) from the code itself.

Every name in the ``__all__`` of ``corecors`` and of each public module under
it (the adapters, and any module added later) gets its signature, with types
and defaults as annotated, its docstring, and a table of its parameters (or a
NamedTuple's fields) whose descriptions are read from the docstrings
themselves, by the convention in docs/architecture.md ("Where things go"); a
parameter without one, or a documented default that is not the code's, stops
the generation with what to write where. The error and warning codes page is generated
from ``corecors.CODES`` and the Django adapter's ``DJANGO_CODES``: each core
code's fix is what corecors itself says for the example configuration in
:data:`EXAMPLES`.

Run ``make docs`` (``python docs/generate.py``) after changing a public name;
``tests/project/test_docs.py`` fails while the committed pages differ from what
this script writes, or while a public name, parameter or code is undocumented.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
import typing
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "reference"

# One configuration per core code, whose problem corecors reports with that code:
# the codes page shows the message and fix that corecors itself gives for it.
EXAMPLES: dict[str, dict[str, Any]] = {
    "E001": {"allow_origins": ["app.example.com"]},
    "E002": {"allow_origins": ["https://app.example.com/"]},
    "E003": {"allow_origins": ["https://app.*.example.com"]},
    "E004": {"allow_origin_regex": "https://(app.example.com"},
    "E005": {"allow_origin_func": "https://app.example.com"},
    "E006": {"allow_methods": ["GET,POST"]},
    "E007": {"allow_methods": ["TRACE"]},
    "E008": {"allow_headers": ["X-Token:"]},
    "E009": {
        "allow_origins": ["https://app.example.com"],
        "allow_credentials": True,
        "expose_headers": ["*"],
    },
    "E010": {"max_age": -1},
    "E011": {"allow_origins": "https://app.example.com"},
    "E012": {"rules": [("api/*", None)]},
    "W001": {"allow_origins": ["*"], "allow_credentials": True},
    "W002": {"allow_origins": ["null"], "allow_credentials": True},
    "W003": {"allow_origins": ["http://app.example.com"], "allow_credentials": True},
    "W004": {"max_age": 86400},
    # A start-up notice of the middleware (corecors.engine._writes.unprotected), not of CORSPolicy.
    "W005": {"allow_origins": ["https://app.example.com"], "allow_credentials": True},
    "W006": {"allow_origins": ["https://*.github.io"], "allow_credentials": True},
}

# The Django adapter's own check ids: what to change in settings.py.
DJANGO_FIXES: dict[str, str] = {
    "E101": "Make CORECORS_POLICY a dotted path to a CORSPolicy or PathPolicies that imports.",
    "W101": "Add each origin allowed with credentials to CSRF_TRUSTED_ORIGINS.",
    "W102": "Anchor the regex to match the whole origin (corecors uses a full match).",
    "W103": "Remove the CORS_* settings, or CORECORS_POLICY: use one of the two.",
    "W104": "Move corecors.adapters.django.CORSMiddleware above CommonMiddleware in MIDDLEWARE.",
    "W105": "Remove corsheaders.middleware.CorsMiddleware from MIDDLEWARE.",
    "W106": "Rename the setting to the corecors setting the hint names (the closest known one).",
    "W107": "Rename the old setting to its current name, or remove a setting that was removed.",
    "W108": "Move CORSMiddleware above that middleware in MIDDLEWARE; if it never answers a "
    "request itself, add corecors.W108 to SILENCED_SYSTEM_CHECKS.",
}


def public_modules() -> list[str]:
    """``corecors`` and every module below it that declares ``__all__`` (none private)."""
    import corecors
    import corecors.adapters

    names = ["corecors"]
    for package in (corecors, corecors.adapters):
        prefix = package.__name__ + "."
        for info in pkgutil.walk_packages(package.__path__, prefix):
            if any(part.startswith("_") for part in info.name.split(".")):
                continue
            module = importlib.import_module(info.name)
            if "__all__" in vars(module) and info.name not in names:
                names.append(info.name)
    return sorted(names)


def _text(doc: str) -> str:
    """A docstring as Markdown: reST roles and double backticks become code spans."""
    doc = re.sub(r"::$", ":", doc, flags=re.M)  # reST's literal-block marker
    doc = re.sub(r":(?:class|func|meth|data|attr|mod|exc):`~?([^`]+)`", r"`\1`", doc)
    return re.sub(r"``([^`]+)``", r"`\1`", doc)


# The docstring convention (docs/architecture.md, "Where things go"): a parameter or
# field is described by an entry ``name`` (type, default X, unit): text -- a bullet
# item, or a sentence of its own; several names may share one entry
# (``a``, ``b``: text), and "as :class:`corecors.CORSPolicy`" takes the text
# written there. The parenthesis is optional; its "default X" must match the code.
_NAME = r"``\*{0,2}(\w+)``(?:\s+\((?:[^()]|\([^()]*\))*\))?"
_ENTRY = re.compile(rf"(?:^|(?<=\. )|(?<=; ))((?:{_NAME}(?:,\s+|,?\s+and\s+))*{_NAME}):\s+")
_ITEM = re.compile(r"``\*{0,2}(\w+)``(?:\s+\(((?:[^()]|\([^()]*\))*)\))?")
_ELSEWHERE = re.compile(r"^as :(?:class|func|meth):`([\w.]+)`\.?$")
# "arguments as :func:`cors_report`": the parameters not described here are there.
_OTHERS = re.compile(r"\b(?:arguments|parameters) as :(?:class|func|meth|mod):`([\w.]+)`", re.I)


def _segments(doc: str) -> list[str]:
    """A docstring's paragraphs and bullet items, each on one line."""
    segments: list[str] = []
    for paragraph in re.split(r"\n\s*\n", doc):
        for item in re.split(r"\n\s*(?=- )", paragraph):
            segments.append(" ".join(item.split()).removeprefix("- "))
    return segments


# An entry's text ends where the docstring goes on to what the callable raises or returns.
_AFTER_ENTRY = re.compile(r"(?:^|(?<=[.;] ))(?:Raises|Never raises|Returns|Emits)\b.*$")


def described(doc: str) -> dict[str, tuple[str, str]]:
    """Every entry of a docstring: name -> (its parenthesis, its text)."""
    found: dict[str, tuple[str, str]] = {}
    for segment in _segments(doc):
        heads = list(_ENTRY.finditer(segment))
        for index, head in enumerate(heads):
            stop = heads[index + 1].start() if index + 1 < len(heads) else len(segment)
            text = _AFTER_ENTRY.sub("", segment[head.end() : stop]).strip().rstrip(";,")
            for item in _ITEM.finditer(head.group(1)):
                found.setdefault(item.group(1), (item.group(2) or "", text))
    return found


def _own_docs(obj: object) -> str:
    """The docstrings that describe a callable's parameters: a class's own and its
    ``__init__``'s, or a function's."""
    if inspect.isclass(obj):
        docs = [vars(obj).get("__doc__") or "", getattr(vars(obj).get("__init__"), "__doc__", "")]
        return "\n\n".join(inspect.cleandoc(d) for d in docs if d)
    return inspect.cleandoc(getattr(obj, "__doc__", None) or "")


def _resolve(path: str, near: object) -> object:
    """The object a cross-reference names: dotted from a module, or in ``near``'s module."""
    if "." not in path:
        return vars(sys.modules[near.__module__])[path]  # type: ignore[attr-defined]
    module_name, _, rest = path.partition(".")
    value: object = importlib.import_module(module_name)
    for part in rest.split("."):
        if not hasattr(value, part):
            value = importlib.import_module(f"{getattr(value, '__name__', '')}.{part}")
        else:
            value = getattr(value, part)
    return value


def _describe(owner: str, obj: object, name: str, default: object) -> str:
    """The text the docstring of ``obj`` gives for its parameter (or field) ``name``."""
    doc = _own_docs(obj)
    entries = described(doc)
    others = _OTHERS.search(" ".join(doc.split()))
    if name not in entries and others:
        return _describe(others.group(1), _resolve(others.group(1), obj), name, default)
    if name not in entries:
        raise LookupError(
            f"describe the parameter {owner}.{name} in the docstring of {owner}: a line "
            f"'- ``{name}`` (type, default X, unit): what it means' (docs/architecture.md)"
        )
    extra, text = entries[name]
    elsewhere = _ELSEWHERE.match(text)
    parts = [p.strip() for p in re.split(r",\s*(?![^\[(]*[\])])", extra) if p.strip()]
    for part in parts:
        if part.startswith("default ") and default is not inspect.Parameter.empty:
            written = part.removeprefix("default ").strip("`").replace('"', "'")
            if written not in (repr(default), str(default)):
                raise LookupError(
                    f"the docstring of {owner} says {name} has {part}, the code "
                    f"{default!r}: correct the docstring"
                )
    if elsewhere:  # the text written there, with its units
        return _describe(elsewhere.group(1), _resolve(elsewhere.group(1), obj), name, default)
    notes = [p for p in parts[1:] if not p.startswith(("``", "default", "keyword"))]
    if not notes:
        return text
    note = ", ".join(notes)
    return f"**{note[:1].upper()}{note[1:]}.** {text[:1].upper()}{text[1:]}"


def _without_entries(doc: str, names: set[str]) -> str:
    """The docstring to show above a parameter table, without the entries for the
    table's own names (the table shows them); what they say is raised or returned,
    and everything else, kept."""
    shown: list[str] = []
    for paragraph in re.split(r"\n\s*\n", doc):
        items = re.split(r"\n(?=\s*- )", paragraph)
        kept = [item for item in items if not _only_entries(item, names, bullet=True)]
        if len(kept) < len(items) and not kept and shown and shown[-1].endswith(":"):
            lead = re.sub(r"\s*\b(?:Parameters|Fields|Arguments):$", "", shown.pop())
            shown += [lead[:-1] + "." if lead.endswith(":") else lead] if lead else []
        text = "\n".join(kept)
        if kept and _only_entries(text, names, bullet=False):
            joined = " ".join(text.split())
            heads = list(_ENTRY.finditer(joined))
            tail = _AFTER_ENTRY.search(joined[heads[-1].end() :])
            text = (joined[: heads[0].start()] + (tail.group(0) if tail else "")).strip()
        if text.strip():
            shown.append(text)
    return "\n\n".join(shown)


def _only_entries(text: str, names: set[str], bullet: bool) -> bool:
    """Whether ``text`` (one bullet item, or a paragraph) describes only ``names``."""
    joined = " ".join(text.split())
    if joined.startswith("- ") != bullet:
        return False
    heads = list(_ENTRY.finditer(joined.removeprefix("- ")))
    if bullet and (not heads or heads[0].start() != 0):
        return False
    return bool(heads) and set().union(*map(_names, heads)) <= names


def _names(head: re.Match[str]) -> set[str]:
    return {item.group(1) for item in _ITEM.finditer(head.group(1))}


def _cell(text: str) -> str:
    """Docstring text as one table cell."""
    text = _text(text).replace("|", "\\|")
    text += "" if text.endswith((".", "!", "?")) else "."
    return text[:1].upper() + text[1:]


def _parameters(owner: str, obj: object, signature: inspect.Signature) -> list[str]:
    rows = []
    for name, parameter in signature.parameters.items():
        if name in ("self", "cls"):
            continue
        shown = f"**{name}" if parameter.kind is inspect.Parameter.VAR_KEYWORD else name
        kind = "keyword-only" if parameter.kind is inspect.Parameter.KEYWORD_ONLY else ""
        annotation = parameter.annotation
        annotation = "" if annotation is inspect.Parameter.empty else _annotation(annotation)
        default = "" if parameter.default is inspect.Parameter.empty else repr(parameter.default)
        cells = [
            f"`{shown}`",
            f"`{annotation}`".replace("|", "\\|") if annotation else "",
            f"`{default}`" if default else ("" if shown.startswith("*") else "required"),
            (f"{kind.capitalize()}. " if kind else "")
            + _cell(_describe(owner, obj, name, parameter.default)),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    if not rows:
        return []
    return ["| Parameter | Type | Default | Meaning |", "| --- | --- | --- | --- |", *rows, ""]


# The annotations shown on the page being written, for its "Type aliases" section.
_SHOWN: list[str] = []


def _annotation(annotation: object) -> str:
    """An annotation as written in the source (they are strings there), or formatted."""
    if not isinstance(annotation, str):
        annotation = inspect.formatannotation(annotation).replace("typing.", "")
        annotation = re.sub(r"\bcorecors(?:\.\w+)*\.(?=[A-Z])", "", annotation)
    _SHOWN.append(annotation)
    return annotation


def _aliases(modules: set[str], documented: set[str]) -> list[str]:
    """What the capitalised names in the page's annotations stand for, from the modules
    that define the page's objects: a type alias's value, or where an import comes from."""
    rows = []
    names = sorted(set(re.findall(r"\b[A-Z]\w+", " ".join(_SHOWN))) - documented)
    for name in names:
        for module_name in sorted(modules):
            module = sys.modules[module_name]
            value = vars(module).get(name)
            if value is not None and hasattr(value, "__args__"):  # an alias: X | Y, C[...]
                text = re.sub(r"\b(?:[a-z_]+\.)+", "", inspect.formatannotation(value))
                rows.append(f"- `{name} = {text}`")
                break
            source = inspect.getsource(module)
            found = re.search(rf"^\s*from ([\w.]+) import [^\n]*\b{name}\b", source, re.M)
            if found and not found.group(1).startswith(("collections", "typing", ".")):
                rows.append(f"- `{name}`: `{found.group(1)}.{name}`")
                break
    return ["## Type aliases", "", *rows, ""] if rows else []


def _signature(obj: Callable[..., Any]) -> tuple[inspect.Signature, str]:
    """The signature without ``self``, and its text with annotations as written."""
    signature = inspect.signature(obj)
    signature = signature.replace(
        parameters=[p for p in signature.parameters.values() if p.name not in ("self", "cls")]
    )
    parts = []
    star = False
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        text = ("**" if parameter.kind is inspect.Parameter.VAR_KEYWORD else "") + parameter.name
        star = star or parameter.kind is inspect.Parameter.VAR_KEYWORD
        if parameter.annotation is not inspect.Parameter.empty:
            text += f": {_annotation(parameter.annotation)}"
        if parameter.default is not inspect.Parameter.empty:
            text += f" = {parameter.default!r}"
        parts.append(text)
    returns = signature.return_annotation
    tail = "" if returns is inspect.Signature.empty else f" -> {_annotation(returns)}"
    text = f"({', '.join(parts)}){tail}"
    if len(text) > 80:  # one parameter a line, as ruff would format it
        text = "(\n" + "".join(f"    {part},\n" for part in parts) + f"){tail}"
    return signature, text


def _docstring(title: str, obj: object) -> str:
    """The object's own docstring (not one inherited from a base class or builtin)."""
    own = vars(obj).get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    if not own or not own.strip():
        raise LookupError(f"{title} has no docstring: write one (the reference shows it)")
    return inspect.cleandoc(own)


def callable_section(owner: str, title: str, obj: Callable[..., Any], level: str) -> list[str]:
    signature, text = _signature(obj)
    shown = f"class {title}{text.rsplit(' -> ', 1)[0]}" if inspect.isclass(obj) else title + text
    lines = [f"{level} `{title}`", "", "```python", shown, "```", ""]
    if inspect.isclass(obj):
        bases = [b.__name__ for b in obj.__bases__ if b is not object]
        if bases:
            lines += [f"Subclass of `{'`, `'.join(bases)}`.", ""]
    _docstring(title, obj)  # one of its own, or an error
    lines += [_text(_without_entries(_own_docs(obj), set(signature.parameters))), ""]
    lines += _parameters(owner, obj, signature)
    if {"allow_origins", "options", "policy", "config"} & set(signature.parameters):
        lines += [
            "Raises `CORSConfigError` (listing every problem, see [the codes](codes.md)) for a"
            " configuration that cannot work, when called; emits `CORSConfigWarning` for a"
            " risky one.",
            "",
        ]
    returns = _annotation(signature.return_annotation)
    if not inspect.isclass(obj) and returns not in (str(inspect.Signature.empty), "None"):
        lines += [f"Returns `{returns}`.", ""]
    return lines


def _named_tuple(name: str, cls: type) -> list[str]:
    hints = typing.get_type_hints(cls)
    defaults: dict[str, Any] = cls._field_defaults  # type: ignore[attr-defined]
    rows = ["| Field | Type | Default | Meaning |", "| --- | --- | --- | --- |"]
    for field in cls._fields:  # type: ignore[attr-defined]
        annotation = _annotation(hints[field])  # aliases (Headers...) resolved
        default = f"`{defaults[field]!r}`" if field in defaults else "required"
        meaning = _describe(name, cls, field, defaults.get(field, inspect.Parameter.empty))
        cells = [f"`{field}`", f"`{annotation}`".replace("|", "\\|"), default, _cell(meaning)]
        rows.append("| " + " | ".join(cells) + " |")
    return [*rows, ""]


def _class(name: str, cls: type) -> list[str]:
    if hasattr(cls, "_fields"):  # a NamedTuple
        lines = [f"## `{name}`", "", f"`class {name}(NamedTuple)`", ""]
        shown = _without_entries(_docstring(name, cls), set(cls._fields))  # type: ignore[attr-defined]
        lines += [_text(shown), "", *_named_tuple(name, cls)]
    else:
        lines = callable_section(name, name, cls, "##")
    for member, value in vars(cls).items():
        if member.startswith("_"):
            continue
        if isinstance(value, classmethod | staticmethod):
            value = value.__func__
        if inspect.isfunction(value):
            lines += callable_section(f"{name}.{member}", f"{name}.{member}", value, "###")
        elif isinstance(value, property):
            returns = _annotation(inspect.signature(value.fget).return_annotation)
            lines += [f"### `{name}.{member}`", "", f"Property: `{returns}`.", ""]
            if value.__doc__:
                lines += [_text(inspect.cleandoc(value.__doc__)), ""]
    return lines


def _data(module: ModuleType, name: str, value: object) -> list[str]:
    """A constant: its type, its ``#:`` comment in the source, and its value."""
    comment: list[str] = []
    for candidate in list(sys.modules.values()):
        if getattr(candidate, "__name__", "").startswith(module.__name__.split(".")[0]) and (
            vars(candidate).get(name) is value
        ):
            source = inspect.getsource(candidate).splitlines()
            for index, line in enumerate(source):
                if re.match(rf"{name}\b.*=", line):
                    above = index - 1
                    while above >= 0 and source[above].startswith("#:"):
                        comment.insert(0, source[above][2:].strip())
                        above -= 1
                    break
            if comment:
                break
    if not comment:
        raise LookupError(f"document {module.__name__}.{name} with a '#:' comment above it")
    lines = [f"## `{name}`", "", f"`{type(value).__name__}`", "", " ".join(comment), ""]
    if name == "CODES":
        lines += ["See [the error and warning codes](codes.md) for each entry.", ""]
    return lines


def _django_settings() -> list[str]:
    """The settings the Django middleware reads: the options schema's, then the adapter's own."""
    from corecors.adapters.django.conf import ALIASES, CORS_SETTINGS, OPTION_SETTINGS

    old = {alias: name for name, alias in ALIASES.items()}
    rows = [
        f"| `{setting}` | `{default!r}` | `{option}` |"
        for option, (setting, default) in OPTION_SETTINGS.items()
    ]
    own = [
        f"`{name}`" + (f" (django-cors-headers' old name for `{old[name]}`)" if name in old else "")
        for name in CORS_SETTINGS
        if name not in {setting for setting, _ in OPTION_SETTINGS.values()}
    ]
    return [
        "## Settings",
        "",
        "Read once, when Django builds the middleware: `CORECORS_POLICY` (a `CORSPolicy`, a",
        "`PathPolicies`, or a dotted path to one), or else the settings below, with",
        "django-cors-headers' names and defaults. A configuration that cannot work raises",
        "`CORSConfigError` naming the settings to change; `manage.py check` reports the",
        "same problems and [the Django checks](codes.md#django-system-checks).",
        "",
        "| Setting | When unset | `CORSPolicy` option |",
        "| --- | --- | --- |",
        *rows,
        "",
        "Besides: " + ", ".join(own) + ".",
        "",
    ]


def options_page() -> str:
    """The options at a glance, from the options schema (``corecors.engine.SCHEMA``)."""
    from corecors.adapters.flask import CONFIG_KEYS
    from corecors.engine import SCHEMA

    keys = {name: key for key, name in CONFIG_KEYS.items()}
    lines = [
        "# Options",
        "",
        "Every option of [`CORSPolicy`](corecors.md#corspolicy), listed once in the options",
        "schema (`corecors.engine.SCHEMA`): the keyword of `CORSPolicy`, of every adapter",
        "and decorator, its `app.config` key in Flask and its setting in Django (none:",
        "set it in a `CORECORS_POLICY`).",
        "",
        "| Option | Default | What it does | Flask `app.config` | Django setting |",
        "| --- | --- | --- | --- | --- |",
    ]
    for option in SCHEMA:
        setting = f"`{option.setting}`" if option.setting else "none"
        lines.append(
            f"| `{option.name}` | `{option.default!r}` | {option.summary} "
            f"| `{keys[option.name]}` | {setting} |"
        )
    return "\n".join(lines) + "\n"


def module_page(module_name: str) -> str:
    module = importlib.import_module(module_name)
    lines = [f"# `{module_name}`", "", _text(inspect.getdoc(module) or ""), ""]
    _SHOWN.clear()
    defined_in = {module_name}
    for name in module.__all__:
        value = getattr(module, name)
        defined_in.add(getattr(value, "__module__", module_name))
        if inspect.isclass(value):
            lines += _class(name, value)
        elif callable(value):
            lines += callable_section(name, name, value, "##")
        else:
            lines += _data(module, name, value)
    if module_name == "corecors.adapters.django":
        lines += _django_settings()
    documented = {"CORSPolicy", "PathPolicies", "Decision", "ConfigProblem", *module.__all__}
    lines += _aliases({m for m in defined_in if m in sys.modules}, documented)
    return "\n".join(lines).rstrip() + "\n"


def _example_problem(code: str) -> Any:
    from corecors import CORSConfigError, CORSPolicy, PathPolicies

    options = EXAMPLES[code]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if "rules" in options:
                PathPolicies(options["rules"])
            elif code == "W005":
                from corecors.engine._writes import notice_unprotected

                notice_unprotected([CORSPolicy(**options)])
            else:
                CORSPolicy(**options)
        except CORSConfigError as error:
            problems = list(error.problems)
        else:
            problems = [w.message.problem for w in caught if hasattr(w.message, "problem")]
    found = [p for p in problems if p.code == code]
    if not found:
        raise LookupError(f"EXAMPLES[{code!r}] does not produce {code}: {problems}")
    return found[0]


def codes_page() -> str:
    from corecors import CODES
    from corecors.adapters.django.checks import DJANGO_CODES

    lines = [
        "# Error and warning codes",
        "",
        "Generated from `corecors.CODES` and `corecors.adapters.django.checks.DJANGO_CODES`.",
        "An `E` code raises `CORSConfigError` when the policy is built (all problems at",
        "once); a `W` code emits `CORSConfigWarning` and the policy works. Django's system",
        "checks report both as `corecors.E001`, ... Codes are never renumbered.",
        "",
        "## corecors",
        "",
        "The example is one configuration with the problem; the message and fix are what",
        "corecors says about it.",
        "",
        "| Code | Meaning | Example | corecors says | Fix |",
        "| --- | --- | --- | --- | --- |",
    ]
    for code, meaning in CODES.items():
        if code not in EXAMPLES:
            raise LookupError(f"add an example configuration for {code} to docs/generate.py")
        problem = _example_problem(code)
        example = ", ".join(f"{k}={v!r}" for k, v in EXAMPLES[code].items())
        if "rules" in EXAMPLES[code]:
            example = f"PathPolicies({EXAMPLES[code]['rules']!r})"
        cells = [code, meaning, f"`{example}`", f"{problem.option}: {problem.message}", problem.fix]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += [
        "",
        "## Django system checks",
        "",
        "Checks of the settings around the policy, as `corecors.E101`, ...",
        "",
        "| Code | Meaning | Fix |",
        "| --- | --- | --- |",
    ]
    for code, meaning in DJANGO_CODES.items():
        if code not in DJANGO_FIXES:
            raise LookupError(f"add the fix for {code} to DJANGO_FIXES in docs/generate.py")
        lines.append(f"| {code} | {meaning} | {DJANGO_FIXES[code]} |")
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """Every reference page: file name in docs/reference/ -> Markdown."""
    modules = public_modules()
    index = ["# API reference", "", "Generated from the code by `docs/generate.py`.", ""]
    index += [f"- [`{name}`]({name}.md)" for name in modules]
    index += ["- [Options](options.md)", "- [Error and warning codes](codes.md)", ""]
    result = {"index.md": "\n".join(index)}
    result.update({f"{name}.md": module_page(name) for name in modules})
    result["options.md"] = options_page()
    result["codes.md"] = codes_page()
    return result


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    wanted = pages()
    for stale in set(p.name for p in OUT.glob("*.md")) - set(wanted):
        (OUT / stale).unlink()
    for name, text in wanted.items():
        (OUT / name).write_text(text)
    print(f"wrote {len(wanted)} pages to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
