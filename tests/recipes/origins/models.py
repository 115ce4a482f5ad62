"""docs/dynamic-origins.md's Django recipe, exactly as shown, as this app's models."""

from tests.recipes.blocks import block

exec(compile(block("django-model"), "docs/dynamic-origins.md (django-model)", "exec"))
