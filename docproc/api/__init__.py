"""The HTTP face of docproc: REST API under ``/api/v1`` and the desk and review pages.

Import :func:`docproc.api.app.create_app` to build the application; this package module stays
light so that :mod:`docproc.api.models` can be imported without FastAPI.
"""
