"""corecors.browser, the `corecors check` command and corecors.testing."""
