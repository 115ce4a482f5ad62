"""The Django app of docs/dynamic-origins.md's model recipe (app label ``origins``)."""
