"""``docproc serve``: the desk, review and REST API web app (uvicorn)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the desk and review web app and the REST API")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    p.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    p.add_argument(
        "--sample-rate",
        type=float,
        default=0.05,
        help="share of auto-accepted documents sent to review (default: %(default)s)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from docproc.config import get_settings
    from docproc.services import open_services
    from docproc.web.app import create_app

    settings = get_settings()
    services = open_services(settings, migrate=True)
    app = create_app(settings, services=services, sample_rate=args.sample_rate)
    # Uploads are read by DOCPROC_WORKERS reader processes of the server's own, each under
    # DOCPROC_READ_MEMORY_LIMIT (DOCPROC_DISPATCH=process, the default), by threads in this
    # process only when DOCPROC_DISPATCH=thread asks for it, or by Celery workers.
    # No "server: uvicorn" banner: it tells a scanner which exploits to try.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    return 0
