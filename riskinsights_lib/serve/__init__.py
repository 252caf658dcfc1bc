"""The scoring service: the run's (or the registry's champion) models behind a FastAPI API.

Start it with ``riskinsights serve`` (or ``python -m riskinsights_lib.serve``);
build the app in Python with :func:`riskinsights_lib.serve.app.create_app`.
Needs the ``serve`` extra (FastAPI, uvicorn). Modules: :mod:`.settings` (flags,
keys), :mod:`.loading` / :mod:`.registry` (models), :mod:`.domain` and
:mod:`.schemas` (the contract), :mod:`.scorers` (library scoring),
:mod:`.routes` / :mod:`.app` (HTTP), :mod:`.auth`, :mod:`.errors`,
:mod:`.observability`, :mod:`.cli`.
"""

__all__ = ["create_app", "main"]


def __getattr__(name: str):
    if name == "create_app":
        from riskinsights_lib.serve.app import create_app

        return create_app
    if name == "main":
        from riskinsights_lib.serve.cli import main

        return main
    raise AttributeError(name)
