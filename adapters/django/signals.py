"""django-cors-headers' ``check_request_enabled`` signal, for per-request decisions.

Connect a receiver ``def receiver(sender, request, **kwargs)``; the middleware
sends the signal with ``sender=None, request=request`` for a cross-origin
request (one with an ``Origin`` header) that the settings would not grant,
because no policy covers its path (``CORS_URLS_REGEX``) or its origin is not
allowed. If any receiver returns a truthy value, the request is answered as
if its origin were allowed, with the options of the settings' policy
(methods, headers, credentials, max-age), preflights included; the origin is
echoed only once it passed corecors' serialised-origin check. Nothing is sent
when no receiver is connected. A receiver that raises makes the request fail,
as in django-cors-headers (``Signal.send``). Under ASGI the receivers run in a
worker thread (``sync_to_async``), so they may use the ORM.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = ["check_request_enabled"]

#: Sent with ``sender=None, request=request``; a truthy return enables CORS for it.
check_request_enabled = Signal()
