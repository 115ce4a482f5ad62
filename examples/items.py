"""What the three example APIs share: the item store, the demo sessions and the CORS settings.

The store is framework-free so that FastAPI, Flask and Django answer every
request identically: same routes, same JSON, same status codes.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

#: The front end's origin in ``make demo``; tests pass their own origins.
DEMO_ORIGINS = ("http://localhost:3000",)

# The CORS settings every example uses, besides the allowed origins.
# Content-Type needs no listing: corecors always allows the CORS-safelisted
# request headers, and application/json is what makes a POST/PUT preflighted.
ALLOW_METHODS = ("GET", "POST", "PUT", "DELETE")
ALLOW_HEADERS = ("Authorization", "X-Client")
EXPOSE_HEADERS = ("X-Item-Count",)
# X-Item-Count is exposed to the page; X-Backend is sent but NOT exposed, so
# the page's JavaScript cannot read it (the browser hides it).
COUNT_HEADER = "X-Item-Count"
BACKEND_HEADER = "X-Backend"

SESSION_COOKIE = "demo_session"


class ItemError(Exception):
    """A request the store refuses; ``status`` is the HTTP status to answer."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class DuplicateItem(ItemError):
    status = 400


class MissingItem(ItemError):
    status = 404


class InvalidBody(ItemError):
    # 422 like FastAPI's validation errors, so all three frameworks agree.
    status = 422


def parse_item(data: object, item_id: int | None = None) -> dict[str, Any]:
    """A valid item from a JSON body: ``id`` (int, taken from the URL on PUT), ``name``,
    ``description`` (optional, default "")."""
    if not isinstance(data, dict):
        raise InvalidBody("the body must be a JSON object")
    if item_id is None:
        item_id = data.get("id")
        # bool is an int subclass; {"id": true} is not an id.
        if not isinstance(item_id, int) or isinstance(item_id, bool):
            raise InvalidBody("'id' must be an integer")
    name = data.get("name")
    description = data.get("description", "")
    if not isinstance(name, str) or not name:
        raise InvalidBody("'name' must be a non-empty string")
    if not isinstance(description, str):
        raise InvalidBody("'description' must be a string")
    return {"id": item_id, "name": name, "description": description}


class ItemStore:
    """Items in memory, safe to share between a threaded server's threads."""

    def __init__(self) -> None:
        self._items: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def create(self, item: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if item["id"] in self._items:
                raise DuplicateItem(f"item {item['id']} already exists")
            self._items[item["id"]] = item
        return item

    def get(self, item_id: int) -> dict[str, Any]:
        try:
            return self._items[item_id]
        except KeyError:
            raise MissingItem(f"item {item_id} not found") from None

    def update(self, item: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.get(item["id"])
            self._items[item["id"]] = item
        return item

    def delete(self, item_id: int) -> dict[str, Any]:
        with self._lock:
            item = self.get(item_id)
            del self._items[item_id]
        return {"deleted": item_id, "item": item}


class Sessions:
    """Demo log-in: a random token, sent back as an HttpOnly cookie and in the JSON body.

    ``GET /me`` accepts the cookie (``fetch(..., {credentials: "include"})``) or
    ``Authorization: Bearer <token>``, to show both kinds of cross-origin credentials.
    """

    def __init__(self) -> None:
        self._users: dict[str, str] = {}

    def login(self, data: object) -> dict[str, str]:
        user = data.get("username", "demo") if isinstance(data, dict) else "demo"
        if not isinstance(user, str) or not user:
            raise InvalidBody("'username' must be a non-empty string")
        token = secrets.token_urlsafe(16)
        self._users[token] = user
        return {"user": user, "token": token}

    def whoami(self, authorization: str | None, cookie: str | None) -> dict[str, str]:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() == "bearer" and token in self._users:
            return {"user": self._users[token], "via": "authorization"}
        if cookie is not None and cookie in self._users:
            return {"user": self._users[cookie], "via": "cookie"}
        raise NotLoggedIn("not logged in: POST /login first")


class NotLoggedIn(ItemError):
    status = 401


def boom() -> None:
    """What ``GET /boom`` does: fail, to show that a 500 keeps its CORS headers."""
    raise RuntimeError("GET /boom always fails (on purpose: the page can still read the 500)")
