"""The application factory: ``create_app(settings)`` wires services, routes, errors and metrics.

Errors: every :class:`~docproc.errors.DocprocError` becomes an HTTP response in exactly one
handler -- JSON ``{"reason", "message", "fix"}`` under ``/api/`` and ``/hooks/``, a page (or a
redirect to the login page) elsewhere. Nothing personal is logged: ids and reason codes only.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from docproc import __version__
from docproc.casework import review
from docproc.casework.auth import AuthError, Principal, principal_for_session
from docproc.config import Settings, get_settings
from docproc.db.session import session_scope
from docproc.errors import DocprocError, ExitCode, as_docproc_error
from docproc.services import Services, open_services
from docproc.web import labels
from docproc.web.api import documents as documents_api
from docproc.web.api import erasure as erasure_api
from docproc.web.api import labels as labels_api
from docproc.web.api import people as people_api
from docproc.web.api import pipeline as pipeline_api
from docproc.web.api import review as review_api
from docproc.web.api.hooks import make_hooks_router
from docproc.web.deps import SESSION_COOKIE, AppState
from docproc.web.limits import BodyLimit, bulk_read_guard
from docproc.web.pages import account as account_pages
from docproc.web.pages import admin as admin_pages
from docproc.web.pages import audit as audit_pages
from docproc.web.pages import desk as desk_pages
from docproc.web.pages import documents as documents_pages
from docproc.web.pages import labels as label_pages
from docproc.web.pages import people as people_pages
from docproc.web.pages import review as review_pages
from docproc.web.pages import second_factor as second_factor_pages
from docproc.web.render import render
from docproc.web.uploads import make_dispatch

__all__ = [
    "DEFAULT_SAMPLE_RATE",
    "BadRequest",
    "MethodNotAllowed",
    "RouteNotFound",
    "create_app",
    "harden",
    "install_error_handlers",
]

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
DEFAULT_SAMPLE_RATE = 0.05
_NO_STORE = "no-store"
_HSTS = "max-age=31536000; includeSubDomains"
_CSP = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class _CaseDatabaseCollector(Collector):
    """Gauges read from the database at scrape time: documents by status, queue depth."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def collect(self) -> Iterator[Metric]:
        documents = GaugeMetricFamily(
            "docproc_documents", "Documents by pipeline status", labels=["status"]
        )
        depth = GaugeMetricFamily("docproc_review_queue_depth", "Open and claimed review tasks")
        try:
            with session_scope(self._services.session_factory) as session:
                counts = review.documents_by_status_counts(session)
                queued = review.queue_depth(session)
        except DocprocError:
            return
        for status, count in counts.items():
            documents.add_metric([status], count)
        depth.add_metric([], queued)
        yield documents
        yield depth


def _wants_json(request: Request) -> bool:
    """The API, the hooks and anything that is not a browser asking for a page get JSON."""
    if request.url.path.startswith(("/api/", "/hooks/")):
        return True
    return "text/html" not in request.headers.get("accept", "")


def _visitor(request: Request, state: AppState) -> Principal | None:
    """Who is looking at an error page: the caller a route already knew, else the session
    cookie's user (an unknown URL has no route to ask), so the page keeps their header and
    language. Never raises: an error page must not fail."""
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        with state.transaction() as session:
            return principal_for_session(session, cookie)
    except DocprocError:
        return None


def _error_page(request: Request, exc: DocprocError) -> Response:
    state: AppState = request.app.state.docproc
    principal = _visitor(request, state)
    headline, advice = labels.error_page_text(exc.http_status)
    return render(
        state,
        request,
        "error.html",
        principal,
        csrf=principal.csrf if principal else None,
        error=exc,
        headline=headline,
        advice=advice,
        status_code=exc.http_status,
    )


async def _error_response(request: Request, exc: DocprocError) -> Response:
    """One error as JSON ``{reason, message, fix}`` (API, hooks, non-browsers), a redirect to
    the login page (a browser not logged in), or the error page in the visitor's language."""
    if _wants_json(request):
        return JSONResponse(exc.to_dict(), status_code=exc.http_status)
    if isinstance(exc, AuthError) and request.method == "GET":
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    # The page looks the visitor up in the database: never on the event loop.
    return await run_in_threadpool(_error_page, request, exc)


class BadRequest(DocprocError):
    """A request the API cannot take as sent: a parameter out of range, a body of the wrong
    shape, an unknown route or method (the status says which)."""

    reason = "bad_request"
    fix = "Check the request against the API's documentation (/api/v1/openapi.json)."
    http_status = 422
    exit_code = ExitCode.bad_arguments


class RouteNotFound(DocprocError):
    reason = "route_not_found"
    fix = "Check the URL; the API's routes are listed in /api/v1/openapi.json."
    http_status = 404
    exit_code = ExitCode.bad_arguments


class MethodNotAllowed(DocprocError):
    reason = "method_not_allowed"
    fix = "Check the HTTP method; the API's routes are listed in /api/v1/openapi.json."
    http_status = 405
    exit_code = ExitCode.bad_arguments


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Every error, ours or the framework's, in the documented ``{reason, message, fix}``
    shape (a page for browsers outside the API): the one place errors become responses."""

    @app.exception_handler(DocprocError)
    async def docproc_error(request: Request, exc: DocprocError) -> Response:
        if exc.http_status >= 500:
            log.warning("%s %s -> %s", request.method, request.url.path, exc.reason)
        return await _error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return await _error_response(request, BadRequest(_validation_message(exc)))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        # A bug: logged by type only (the message may hold personal values), answered as
        # ``internal_error`` without a traceback, as a page for browsers.
        log.error("%s %s -> %s", request.method, request.url.path, type(exc).__name__)
        error = as_docproc_error(exc)
        if type(error) is DocprocError:  # the wrapped message may hold values: not shown
            error = DocprocError(f"unexpected {type(exc).__name__}; see the server's log")
        # Starlette answers an unhandled exception outside every middleware: the headers the
        # middleware gives other answers are set here.
        response = await _error_response(request, error)
        harden(request, response)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail)
        error: DocprocError
        if exc.status_code == 404:
            error = RouteNotFound(message)
        elif exc.status_code == 405:
            error = MethodNotAllowed(message)
        else:
            error = BadRequest(message)
        response = await _error_response(request, error)
        response.status_code = exc.status_code
        if exc.headers:
            response.headers.update(exc.headers)
        return response


def harden(request: Request, response: Response) -> None:
    """The security headers every answer carries, pages, API and error pages alike."""
    headers = response.headers
    headers.setdefault("Cache-Control", _NO_STORE)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    if not request.url.path.startswith("/api/v1/docs"):
        headers.setdefault("Content-Security-Policy", _CSP)
    if _served_over_https(request):
        headers["Strict-Transport-Security"] = _HSTS


def _served_over_https(request: Request) -> bool:
    # ``docproc serve`` trusts X-Forwarded-Proto only from the proxies uvicorn is told about
    # (--forwarded-allow-ips), which rewrites the scheme before it gets here.
    return request.url.scheme == "https"


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    sample_rate: float = DEFAULT_SAMPLE_RATE,
    worker_name: str | None = None,
) -> FastAPI:
    """The docproc web application for ``settings`` (the database must be migrated)."""
    settings = settings or get_settings()
    services = services or open_services(settings)
    name = worker_name or f"web-{os.getpid()}"
    dispatch, executor = make_dispatch(services, settings, sample_rate, name)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="docproc",
        version=__version__,
        description=(
            "Desk and review API: upload scans, read records, review, people and cases, "
            "exports, audit."
        ),
        openapi_url="/api/v1/openapi.json",
        # Swagger UI loads its scripts from a CDN: off unless asked for (DOCPROC_API_DOCS).
        docs_url="/api/v1/docs" if settings.api_docs else None,
        redoc_url=None,
        lifespan=lifespan,
    )
    templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
    app.state.docproc = AppState(
        settings=settings,
        services=services,
        dispatch=dispatch,
        sample_rate=sample_rate,
        templates=templates,
        executor=executor,
        worker_name=name,
    )

    registry = CollectorRegistry()
    registry.register(_CaseDatabaseCollector(services))
    latency = Histogram(
        "docproc_http_request_duration_seconds",
        "HTTP request latency by route",
        ["method", "route", "status"],
        registry=registry,
        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    )

    install_error_handlers(app)
    app.add_middleware(BodyLimit, settings=settings)
    # Outside BodyLimit (added later = outer): an HTTP middleware wraps what the layers inside
    # raise in an ExceptionGroup, which would hide BodyLimit's own refusals from it.
    app.middleware("http")(bulk_read_guard)

    @app.middleware("http")
    async def measure_and_harden(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        latency.labels(request.method, route, str(response.status_code)).observe(
            time.perf_counter() - start
        )
        harden(request, response)
        return response

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        checks: dict[str, Any] = {}
        try:
            with session_scope(services.session_factory) as session:
                session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # readiness reports, it does not raise
            checks["database"] = getattr(exc, "reason", type(exc).__name__)
        try:
            services.store.exists("derived/readyz-probe")
            checks["storage"] = "ok"
        except Exception as exc:
            checks["storage"] = getattr(exc, "reason", type(exc).__name__)
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    app.include_router(documents_api.router)
    app.include_router(review_api.router)
    app.include_router(labels_api.router)
    app.include_router(people_api.router)
    app.include_router(erasure_api.router)
    app.include_router(pipeline_api.router)
    app.include_router(desk_pages.router)
    app.include_router(review_pages.router)
    app.include_router(label_pages.router)
    app.include_router(audit_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(account_pages.router)
    app.include_router(second_factor_pages.router)
    app.include_router(people_pages.router)
    app.include_router(documents_pages.router)
    app.include_router(
        make_hooks_router(
            lambda: services.store,
            lambda: services.session_factory,
            lambda: dispatch,
            token=settings.webhook_token,
            open_without_token=settings.webhook_open,
        )
    )
    return app
