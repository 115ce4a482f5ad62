"""Tests of corecors.adapters.asgi: Starlette's TestClient, FastAPI, a real uvicorn."""
