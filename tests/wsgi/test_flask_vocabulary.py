"""Flask: every message names what the user wrote: app.config keys or keyword names."""

from __future__ import annotations

import logging
import warnings

import pytest
from flask import Flask
from flask.typing import ResponseReturnValue

from corecors import CORSConfigError, CORSConfigWarning
from corecors.adapters.flask import CORS

APP = "http://localhost:5173"


def flask_app(**config: object) -> Flask:
    app = Flask(__name__)
    app.config.update(config)

    @app.route("/todos", methods=["GET", "PUT"])
    def todos() -> ResponseReturnValue:
        return {"todos": []}

    return app


def refusal_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "corecors"]


def test_refusals_name_app_config_keys(caplog: pytest.LogCaptureFixture) -> None:
    app = flask_app(CORS_ALLOW_ORIGINS=[APP])
    CORS(app)
    client = app.test_client()
    caplog.set_level(logging.DEBUG, logger="corecors")
    near = {"Origin": "http://127.0.0.1:5173", "Access-Control-Request-Method": "PUT"}
    assert client.options("/todos", headers=near).status_code == 400
    method = {"Origin": APP, "Access-Control-Request-Method": "PUT"}
    assert client.options("/todos", headers=method).status_code == 400
    assert refusal_lines(caplog) == [
        "CORS preflight refused: origin 'http://127.0.0.1:5173' is not allowed (did you mean "
        "'http://localhost:5173'? its host is 127.0.0.1, not localhost); add it to "
        "app.config['CORS_ALLOW_ORIGINS']",
        "CORS preflight refused: method 'PUT' is not allowed; add it to "
        "app.config['CORS_ALLOW_METHODS']",
    ]


def test_refusals_name_keywords_when_configured_by_keywords(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = flask_app()
    CORS(app, allow_origins=[APP])
    caplog.set_level(logging.DEBUG, logger="corecors")
    headers = {"Origin": APP, "Access-Control-Request-Method": "PUT"}
    assert app.test_client().options("/todos", headers=headers).status_code == 400
    assert refusal_lines(caplog) == [
        "CORS preflight refused: method 'PUT' is not allowed; add it to allow_methods"
    ]


def test_a_warning_from_app_config_names_the_key() -> None:
    app = flask_app(CORS_ALLOW_ORIGINS=["*"], CORS_ALLOW_CREDENTIALS=True)
    with pytest.warns(CORSConfigWarning) as caught:
        CORS(app)
    (warning,) = [w for w in caught if w.category is CORSConfigWarning]  # W005 aside
    text = str(warning.message)
    assert text.startswith("app.config['CORS_ALLOW_ORIGINS']=['*']: '*' cannot be combined")
    assert "e.g. app.config['CORS_ALLOW_ORIGINS']=['https://app.example.com']" in text
    assert "allow_origins" not in text


def test_a_keyword_warning_names_the_keyword() -> None:
    with pytest.warns(CORSConfigWarning) as caught:
        CORS(flask_app(), allow_origins=["*"], allow_credentials=True)
    assert str(caught[0].message).startswith("allow_origins=['*']: ")
    assert "e.g. allow_origins=['https://app.example.com']" in str(caught[0].message)


def test_a_split_list_hint_names_the_key() -> None:
    app = flask_app(CORS_ALLOW_METHODS="GET, PUT", CORS_ALLOW_ORIGINS=[APP])
    with pytest.raises(CORSConfigError) as caught:
        CORS(app)
    assert str(caught.value.problems[0]) == (
        "app.config['CORS_ALLOW_METHODS']='GET, PUT': must be a list of strings, not one "
        "string. Fix: write app.config['CORS_ALLOW_METHODS']=['GET', 'PUT'] [E011]"
    )


@pytest.mark.parametrize(
    ("key", "fix"),
    [
        ("CORS_ALLOW_CREDENTIAL", "did you mean CORS_ALLOW_CREDENTIALS?"),
        ("CORS_ALLOWED_ORIGINS", "use CORS_ALLOW_ORIGINS: a Flask app's keys are"),
        ("CORS_ALLOWED_ORIGIN_REGEXES", "use CORS_ALLOW_ORIGIN_REGEX"),
        ("CORS_PREFLIGHT_MAX_AGE", "use CORS_MAX_AGE"),
        ("CORS_MAXAGE", "did you mean CORS_MAX_AGE?"),
        ("CORS_SOMETHING_ELSE_ENTIRELY", "remove it (the options: CORS_ALLOW_CREDENTIALS"),
    ],
)
def test_unknown_config_keys_stop_init_app_with_the_closest_name(key: str, fix: str) -> None:
    app = flask_app(CORS_ALLOW_ORIGINS=[APP], **{key: True})
    with pytest.raises(CORSConfigError) as caught:
        CORS(app)
    (problem,) = caught.value.problems
    assert problem.option == f"app.config[{key!r}]"
    assert fix in problem.fix
    assert "corecors" not in app.extensions  # nothing was installed


def test_unknown_keywords_name_the_closest_keyword() -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORS(allow_credential=True)
    assert caught.value.problems[0].fix.startswith("did you mean allow_credentials? ")


def test_other_config_keys_are_left_alone() -> None:
    app = flask_app(CORS_ALLOW_ORIGINS=[APP], SECRET_KEY="x", CORSAIR="not ours")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CORS(app)
    assert "corecors" in app.extensions
