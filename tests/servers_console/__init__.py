"""The servers people run, started as they start them, read on their console.

Each test writes a small project (a FastAPI ``main.py``, a Flask ``app.py``, a
Django project with ``manage.py``) into a temporary directory and runs the
command a user types there: ``uvicorn main:app``, ``gunicorn``, ``flask run``,
``manage.py runserver`` and ``check``, with their default settings (only the
address they listen on is given). stdout and stderr go to files that the tests
read: what the user would see in the terminal.
"""
