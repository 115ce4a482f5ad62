"""The server's half of CORS: the engine every adapter drives.

A policy's options are validated once (``_options``, ``_origins``, ``_hints``,
``_catalogue``, ``_errors``) and compiled into the state a request needs
(``_policy``, ``_matching``, ``_tokens``); each request is classified once and
decided into a :class:`Decision` (``_decision``), which ``_response`` turns into
headers. Standard library only; nothing here imports a web framework or
``corecors.browser``.

The modules are private. What users import is re-exported by ``corecors``; what
the adapters (``corecors.adapters``) need besides is re-exported here, and
adapters import it from ``corecors.engine``, never from a private module
(tests/project/test_layout.py checks both).
"""

from ._cookies import COOKIE_ENGINES as COOKIE_ENGINES
from ._cookies import CookieEngine as CookieEngine
from ._cookies import CookieReport as CookieReport
from ._cookies import CookieRequest as CookieRequest
from ._cookies import Fate as Fate
from ._cookies import cookie_reports as cookie_reports
from ._decision import ACTUAL_RESPONSE_HEADERS as ACTUAL_RESPONSE_HEADERS
from ._decision import MAX_METHOD_LENGTH as MAX_METHOD_LENGTH
from ._decision import Decision as Decision
from ._decision import Refusal as Refusal
from ._errors import CODES as CODES
from ._errors import ConfigProblem as ConfigProblem
from ._errors import CORSConfigError as CORSConfigError
from ._errors import CORSConfigWarning as CORSConfigWarning
from ._hints import FLASK_CORS_WILDCARD as FLASK_CORS_WILDCARD
from ._lookup import MAX_HOST_LENGTH as MAX_HOST_LENGTH
from ._lookup import NEEDS_LOOKUP as NEEDS_LOOKUP
from ._lookup import OriginLookup as OriginLookup
from ._matching import ASK as ASK
from ._memo import LineWindow as LineWindow
from ._memo import Memo as Memo
from ._memo import RefusalLog as RefusalLog
from ._options import flag_problem as flag_problem
from ._origins import MAX_ORIGIN_LENGTH as MAX_ORIGIN_LENGTH
from ._paths import PathPolicies as PathPolicies
from ._policy import CORSPolicy as CORSPolicy
from ._refusals import worded as worded
from ._regexes import RegexWording as RegexWording
from ._regexes import compile_regex as compile_regex
from ._response import MERGED_HEADERS as MERGED_HEADERS
from ._response import PREFLIGHT_CONTENT_TYPE as PREFLIGHT_CONTENT_TYPE
from ._response import apply_decision as apply_decision
from ._response import merge_vary as merge_vary
from ._response import preflight_parts as preflight_parts
from ._response import vary_value as vary_value
from ._schema import DJANGO_ALLOW_HEADERS as DJANGO_ALLOW_HEADERS
from ._schema import DJANGO_ALLOW_METHODS as DJANGO_ALLOW_METHODS
from ._schema import OPTION_NAMES as OPTION_NAMES
from ._schema import SCHEMA as SCHEMA
from ._schema import Option as Option
from ._schema import given_options as given_options
from ._stack import warn_config as warn_config
from ._suffixes import site_of as site_of
from ._tokens import MAX_REQUEST_HEADERS_LENGTH as MAX_REQUEST_HEADERS_LENGTH
from ._tokens import short_repr as short_repr
from ._writes import SAFE_METHODS as SAFE_METHODS
from ._writes import WRITE_REFUSAL_BODY as WRITE_REFUSAL_BODY
from ._writes import UnprotectedWritesWarning as UnprotectedWritesWarning
from ._writes import WriteGuard as WriteGuard
from ._writes import notice_unprotected as notice_unprotected
from ._writes import refused_write as refused_write
from ._writes import unprotected as unprotected
