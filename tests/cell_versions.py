"""Print the Python and framework versions of this environment (a matrix cell's CI log line)."""

from __future__ import annotations

import importlib.metadata
import platform

FRAMEWORKS = ("starlette", "fastapi", "flask", "werkzeug", "django")
OTHERS = ("litestar", "quart", "falcon", "bottle")

if __name__ == "__main__":
    versions = [f"{name} {importlib.metadata.version(name)}" for name in FRAMEWORKS + OTHERS]
    print("cell: Python", platform.python_version(), "|", ", ".join(versions))
