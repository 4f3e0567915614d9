"""The web app: pages (Jinja2 + htmx) and a JSON API over the same services as the CLI.

Security (``docs/web.md``): with a token every request must carry it (header
``X-Rebal-Token``, ``Authorization: Bearer``, or the cookie set by visiting ``/?token=…``);
every state-changing request carries the CSRF token of its cookie (form field
``csrf_token`` or header ``X-CSRF-Token``); uploads are limited in size and parsed by the
CLI's own readers (same messages); the log names method, path and status only (no query
string, so no token; no file contents, so no account number).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from rebal.errors import ConfigError, RebalError

__all__ = ["MAX_UPLOAD_BYTES", "create_app"]

HERE = Path(__file__).resolve().parent
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
"""Largest upload accepted (bytes); a larger one is refused with 413."""
CSRF_COOKIE = "rebal_csrf"
TOKEN_COOKIE = "rebal_token"
PLAN_MODES = ("balanced", "tax_budget", "tax_free", "full_rebalance")
IMPORT_KINDS = ("positions", "lots", "transactions")
BROKER_FORMATS = ("generic", "fidelity", "schwab", "vanguard", "etrade", "ibkr-flex")
ORDER_FORMATS = ("generic", "ibkr-basket")
log = logging.getLogger("rebal.web")


class WebError(Exception):
    """A request the app refuses before calling a service (status, message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class PlanBody(BaseModel):
    """How to plan (``rebal plan --household``'s options)."""

    mode: str = Field("balanced", description="balanced, tax_budget, tax_free or full_rebalance")
    tax_budget_usd: float | None = Field(None, ge=0, description="with mode tax_budget: dollars")
    min_trade_usd: float = Field(0.0, ge=0, le=1e12, description="smallest order, dollars")


def _status_of(exc: RebalError) -> int:
    from rebal.services.dashboard import error_status

    return error_status(exc)


def _safe_name(filename: str | None) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(filename or "upload").name)[:100].lstrip(".")
    return name or "upload"


def create_app(db: str | None, *, token: str | None = None,
               max_upload_bytes: int = MAX_UPLOAD_BYTES,
               studies: str | Path | None = None) -> FastAPI:
    """The app over the store at ``db`` (``None``: ``$REBAL_DB`` or the default store).

    ``token``: required on every request when set. ``max_upload_bytes``: upload limit.
    ``studies``: directory of study files the Studies page offers (default:
    ``examples/studies`` under the working directory, when there is one).
    """
    from rebal.services import dashboard
    from rebal.services.fills import import_fills
    from rebal.services.imports import import_file
    from rebal.services.store import add_household, approve_plan, plan_stored, write_orders

    app = FastAPI(title="rebal", version="1", docs_url=None, redoc_url=None,
                  description="rebal's households, plans, orders, fills and imports "
                              "(docs/web.md). State-changing requests need the "
                              "X-CSRF-Token header (GET /api/csrf).")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["usd"] = _usd
    templates.env.filters["pct"] = lambda x: "—" if x is None else f"{100 * x:.2f}%"
    templates.env.filters["url"] = lambda s: quote(str(s), safe="")
    work = Path(tempfile.mkdtemp(prefix="rebal-web-"))
    shipped = Path(studies) if studies is not None else Path.cwd() / "examples" / "studies"
    (work / "reports").mkdir()
    app.state.work = work
    app.state.db = db

    def clean(text: str, where: Path) -> str:
        """A message without the temporary directory an upload was saved in."""
        return text.replace(f"{where}/", "").replace(str(where), "")

    # -- middleware: token, CSRF cookie, size limit, log ---------------------------

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if token is not None:
            given = request.query_params.get("token")
            if given is not None and hmac.compare_digest(given.encode(), token.encode()):
                back = RedirectResponse(path, status_code=303)
                back.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
                log.info("%s %s %s", request.method, path, 303)
                return back
            auth = request.headers.get("authorization", "")
            offered = (request.headers.get("x-rebal-token")
                       or (auth[7:] if auth.lower().startswith("bearer ") else None)
                       or request.cookies.get(TOKEN_COOKIE) or "")
            if not hmac.compare_digest(offered.encode(), token.encode()):
                log.info("%s %s %s", request.method, path, 401)
                return _error(request, 401, "this server needs its token: open it as "
                              "/?token=… or send the X-Rebal-Token header")
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_upload_bytes + 65536:
            log.info("%s %s %s", request.method, path, 413)
            return _error(request, 413, f"upload too large: at most {max_upload_bytes:,} bytes")
        fresh = request.cookies.get(CSRF_COOKIE) is None
        request.state.csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        response: Response = await call_next(request)
        if fresh:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=False,
                                samesite="strict")
        log.info("%s %s %s", request.method, path, response.status_code)
        return response

    def _error(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/") or "text/html" not in request.headers.get(
                "accept", ""):
            return JSONResponse({"error": message, "status": status}, status_code=status)
        return templates.TemplateResponse(request, "error.html", {
            "message": message, "status": status, "csrf": getattr(request.state, "csrf", "")},
            status_code=status)

    @app.exception_handler(RebalError)
    async def rebal_error(request: Request, exc: RebalError) -> Response:
        where = getattr(request.state, "upload_dir", None)
        text = str(exc) if where is None else clean(str(exc), where)
        return _error(request, _status_of(exc), text)

    @app.exception_handler(WebError)
    async def web_error(request: Request, exc: WebError) -> Response:
        return _error(request, exc.status, str(exc))

    def check_csrf(request: Request, given: str | None) -> None:
        cookie = request.cookies.get(CSRF_COOKIE)
        offered = given or request.headers.get("x-csrf-token") or ""
        if not cookie or not hmac.compare_digest(offered.encode(), cookie.encode()):
            raise WebError(403, "missing or wrong CSRF token: reload the page and try again")

    async def save_upload(request: Request, upload: UploadFile) -> Path:
        data = await upload.read(max_upload_bytes + 1)
        if len(data) > max_upload_bytes:
            raise WebError(413, f"{upload.filename}: upload too large: at most "
                                f"{max_upload_bytes:,} bytes")
        if not data:
            raise WebError(400, f"{upload.filename or 'upload'}: the file is empty")
        where = Path(tempfile.mkdtemp(dir=work))
        request.state.upload_dir = where
        path = where / _safe_name(upload.filename)
        path.write_bytes(data)
        return path

    def page(request: Request, name: str, context: dict[str, Any],
             status: int = 200) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {**context, "csrf": request.state.csrf},
                                          status_code=status)

    def check_choice(value: str, choices: tuple[str, ...], what: str) -> None:
        if value not in choices:
            raise WebError(400, f"{what}: unknown value {value!r}; choose one of "
                                f"{', '.join(choices)}")

    # -- pages -----------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def households(request: Request, sort: str = "name", desc: bool = False,
                   status: str = "", q: str = "", page_no: Annotated[int, Query(alias="page")] = 1,
                   per_page: int = 50) -> HTMLResponse:
        data = dashboard.households_page(db, sort=sort, descending=desc,
                                         status=status or None, query=q, page=page_no,
                                         per_page=per_page)
        name = ("_households_table.html" if request.headers.get("hx-request")
                else "households.html")
        return page(request, name, {"data": data, "statuses": dashboard.STATUSES})

    @app.get("/households/{name}", response_class=HTMLResponse, include_in_schema=False)
    def household(request: Request, name: str) -> HTMLResponse:
        h = dashboard.household_detail(name, db)
        chart = dashboard.history_chart(h["history"]) if h["history"] else ""
        return page(request, "household.html", {"h": h, "modes": PLAN_MODES, "chart": chart})

    plotly_cache: dict[str, str] = {}

    @app.get("/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> Response:
        if "js" not in plotly_cache:
            plotly_cache["js"] = dashboard.plotly_js()
        return Response(plotly_cache["js"], media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})

    @app.post("/households", include_in_schema=False)
    async def household_add(request: Request, file: Annotated[UploadFile, File()],
                            csrf_token: Annotated[str, Form()] = "",
                            replace: Annotated[bool, Form()] = False) -> Response:
        check_csrf(request, csrf_token)
        path = await save_upload(request, file)
        try:
            added = add_household(str(path), db, replace=replace)
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)
        return RedirectResponse(f"/households/{quote(added.name, safe='')}", status_code=303)

    @app.post("/households/{name}/plan", include_in_schema=False)
    def household_plan(request: Request, name: str, csrf_token: Annotated[str, Form()] = "",
                       mode: Annotated[str, Form()] = "balanced",
                       tax_budget: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, csrf_token)
        check_choice(mode, PLAN_MODES, "mode")
        budget = _number(tax_budget, "tax budget") if mode == "tax_budget" else None
        if mode == "tax_budget" and budget is None:
            raise WebError(400, "tax budget: give the most extra tax allowed, dollars")
        saved = plan_stored(name, db, save=True, mode=mode, tax_budget_usd=budget)
        return RedirectResponse(f"/plans/{saved.plan_id}", status_code=303)

    @app.get("/plans/{plan_id}", response_class=HTMLResponse, include_in_schema=False)
    def plan_page(request: Request, plan_id: int) -> HTMLResponse:
        return page(request, "plan.html", {"p": dashboard.plan_detail(plan_id, db),
                                           "order_formats": ORDER_FORMATS,
                                           "formats": BROKER_FORMATS, "message": None})

    @app.get("/plans/{plan_id}/report", response_class=HTMLResponse, include_in_schema=False)
    def plan_report(plan_id: int) -> HTMLResponse:
        return HTMLResponse(dashboard.plan_report(plan_id, db))

    @app.post("/plans/{plan_id}/approve", include_in_schema=False)
    def plan_approve(request: Request, plan_id: int,
                     csrf_token: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, csrf_token)
        approve_plan(plan_id, db)
        return RedirectResponse(f"/plans/{plan_id}", status_code=303)

    def orders_file(plan_id: int, fmt: str) -> tuple[Any, str]:
        check_choice(fmt, ORDER_FORMATS, "format")
        where = Path(tempfile.mkdtemp(dir=work))
        try:
            done = write_orders(plan_id, db, fmt=fmt,
                                out=str(where / f"plan-{plan_id}-orders.csv"))
            return done, done.path.read_text(encoding="utf-8")
        finally:
            shutil.rmtree(where, ignore_errors=True)

    @app.post("/plans/{plan_id}/orders", include_in_schema=False)
    def plan_orders(request: Request, plan_id: int, csrf_token: Annotated[str, Form()] = "",
                    fmt: Annotated[str, Form(alias="format")] = "generic") -> Response:
        check_csrf(request, csrf_token)
        _done, text = orders_file(plan_id, fmt)
        return Response(text, media_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="plan-{plan_id}-orders.csv"'})

    @app.post("/plans/{plan_id}/fills", response_class=HTMLResponse, include_in_schema=False)
    async def plan_fills(request: Request, plan_id: int, file: Annotated[UploadFile, File()],
                         csrf_token: Annotated[str, Form()] = "",
                         fmt: Annotated[str, Form(alias="format")] = "generic",
                         account: Annotated[str, Form()] = "") -> HTMLResponse:
        check_csrf(request, csrf_token)
        check_choice(fmt, BROKER_FORMATS, "format")
        path = await save_upload(request, file)
        try:
            done = import_fills(str(path), plan_id, db, fmt=fmt, account=account)
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)
        if done.already_imported:
            lines = [f"{path.name}: already recorded for plan {plan_id}; nothing added"]
        else:
            lines = [f"{done.fills} fills recorded for plan {plan_id}; it is now "
                     f"{done.status.replace('_', ' ')}",
                     f"realized: short term {_usd(done.realized_st_usd)}, long term "
                     f"{_usd(done.realized_lt_usd)}; wash-sale losses disallowed "
                     f"{_usd(done.disallowed_usd)}; fees {_usd(done.fees_usd)}",
                     *done.unfilled, *done.unplanned]
        return page(request, "plan.html", {"p": dashboard.plan_detail(plan_id, db),
                                           "order_formats": ORDER_FORMATS,
                                           "formats": BROKER_FORMATS, "message": lines})

    @app.get("/import", response_class=HTMLResponse, include_in_schema=False)
    def import_page(request: Request, household: str = "") -> HTMLResponse:
        names = [r["name"] for r in dashboard.households_page(db, per_page=500)["rows"]]
        return page(request, "import.html", {"names": names, "chosen": household,
                                             "kinds": IMPORT_KINDS, "formats": BROKER_FORMATS,
                                             "report": None, "pending": None})

    def pending_dir(pending: str) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", pending):
            raise WebError(400, "pending import: unknown id")
        where = work / "pending" / pending
        if not (where / "request.json").is_file():
            raise WebError(404, "pending import: unknown or already confirmed; upload the "
                                "file again")
        return where

    @app.post("/import", response_class=HTMLResponse, include_in_schema=False)
    async def import_dry_run(request: Request, file: Annotated[UploadFile, File()],
                             household: Annotated[str, Form()],
                             account: Annotated[str, Form()],
                             csrf_token: Annotated[str, Form()] = "",
                             kind: Annotated[str, Form()] = "positions",
                             fmt: Annotated[str, Form(alias="format")] = "generic",
                             account_number: Annotated[str, Form()] = "") -> HTMLResponse:
        check_csrf(request, csrf_token)
        check_choice(kind, IMPORT_KINDS, "kind")
        check_choice(fmt, BROKER_FORMATS, "format")
        path = await save_upload(request, file)
        params = {"kind": kind, "fmt": fmt, "household": household, "account": account,
                  "account_number": account_number or None, "file": path.name}
        try:
            report = import_file(kind, fmt, str(path), household=household, account=account,
                                 db=db, dry_run=True, account_number=account_number or None)
        except Exception:
            shutil.rmtree(path.parent, ignore_errors=True)
            raise
        pending = secrets.token_urlsafe(18)
        keep = work / "pending" / pending
        keep.parent.mkdir(exist_ok=True)
        path.parent.rename(keep)
        (keep / "request.json").write_text(json.dumps(params))
        return page(request, "import.html", {
            "names": [household], "chosen": household, "kinds": IMPORT_KINDS,
            "formats": BROKER_FORMATS, "params": params, "pending": pending,
            "report": [clean(line, path.parent) for line in report.lines()]})

    @app.post("/import/confirm", response_class=HTMLResponse, include_in_schema=False)
    def import_confirm(request: Request, pending: Annotated[str, Form()],
                       csrf_token: Annotated[str, Form()] = "") -> HTMLResponse:
        check_csrf(request, csrf_token)
        where = pending_dir(pending)
        request.state.upload_dir = where
        params = json.loads((where / "request.json").read_text())
        try:
            report = import_file(params["kind"], params["fmt"], str(where / params["file"]),
                                 household=params["household"], account=params["account"],
                                 db=db, dry_run=False,
                                 account_number=params["account_number"])
        finally:
            shutil.rmtree(where, ignore_errors=True)
        return page(request, "import.html", {
            "names": [params["household"]], "chosen": params["household"],
            "kinds": IMPORT_KINDS, "formats": BROKER_FORMATS, "params": params,
            "pending": None, "done": True,
            "report": [clean(line, where) for line in report.lines()]})

    # -- studies -------------------------------------------------------------------

    def study_files() -> list[str]:
        if not shipped.is_dir():
            return []
        return sorted(p.name for p in shipped.glob("*.yaml") if not p.name.startswith("sweep_"))

    @app.get("/studies", response_class=HTMLResponse, include_in_schema=False)
    def studies_page(request: Request) -> HTMLResponse:
        return page(request, "studies.html", {"files": study_files(), "where": str(shipped)})

    @app.post("/studies/run", include_in_schema=False)
    async def studies_run(request: Request, csrf_token: Annotated[str, Form()] = "",
                          name: Annotated[str, Form()] = "",
                          file: Annotated[UploadFile | None, File()] = None) -> Response:
        from rebal.services.compare import CompareRequest, compare

        check_csrf(request, csrf_token)
        upload = None
        if file is not None and file.filename:
            upload = await save_upload(request, file)
            path = upload
        elif name in study_files():
            path = shipped / name
        else:
            raise WebError(400, f"study: choose one of {', '.join(study_files()) or 'none'} "
                                "or upload a study file")
        report_id = secrets.token_hex(8)
        try:
            compare(CompareRequest(study=str(path),
                                   report=str(work / "reports" / f"{report_id}.html")))
        finally:
            if upload is not None:
                shutil.rmtree(upload.parent, ignore_errors=True)
        return RedirectResponse(f"/studies/reports/{report_id}", status_code=303)

    @app.get("/studies/reports/{report_id}", response_class=HTMLResponse,
             include_in_schema=False)
    def studies_report(report_id: str) -> HTMLResponse:
        path = work / "reports" / f"{report_id}.html"
        if not re.fullmatch(r"[0-9a-f]{16}", report_id) or not path.is_file():
            raise WebError(404, f"no study report {report_id!r} (reports last while the "
                                "server runs)")
        return HTMLResponse(path.read_text(encoding="utf-8"))

    # -- JSON API --------------------------------------------------------------------

    @app.get("/api/csrf", tags=["security"])
    def api_csrf(request: Request) -> dict[str, str]:
        """The CSRF token to send as ``X-CSRF-Token`` on state-changing requests (its
        cookie is set on this response)."""
        return {"csrf_token": request.state.csrf}

    @app.get("/api/households", tags=["households"])
    def api_households(sort: str = "name", desc: bool = False, status: str | None = None,
                       q: str = "", page: Annotated[int, Query(ge=1, le=10**9)] = 1,
                       per_page: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
        """One page of the households list (value, drift status, open alerts, last plan)."""
        return dashboard.households_page(db, sort=sort, descending=desc, status=status,
                                         query=q, page=page, per_page=per_page)

    @app.get("/api/households/{name}", tags=["households"])
    def api_household(name: str) -> dict[str, Any]:
        """One household: drift by class, accounts, lots, do-not-buy, alerts, plans, history."""
        return dashboard.household_detail(name, db)

    @app.post("/api/households/{name}/plans", tags=["plans"], status_code=201)
    def api_plan(request: Request, name: str, body: PlanBody) -> dict[str, Any]:
        """Make and store a plan (proposed) of the household."""
        check_csrf(request, None)
        check_choice(body.mode, PLAN_MODES, "mode")
        if body.mode == "tax_budget" and body.tax_budget_usd is None:
            raise WebError(400, "tax_budget_usd: required with mode tax_budget")
        saved = plan_stored(name, db, save=True, mode=body.mode,
                            tax_budget_usd=body.tax_budget_usd if body.mode == "tax_budget"
                            else None, min_trade_usd=body.min_trade_usd)
        return dashboard.plan_detail(int(saved.plan_id or 0), db)

    @app.get("/api/plans/{plan_id}", tags=["plans"])
    def api_plan_get(plan_id: Annotated[int, PathParam(ge=1, le=2**62)]) -> dict[str, Any]:
        """A stored plan: status, status changes, trades, tax beside the naive plan."""
        return dashboard.plan_detail(plan_id, db)

    @app.post("/api/plans/{plan_id}/approve", tags=["plans"])
    def api_approve(request: Request,
                    plan_id: Annotated[int, PathParam(ge=1, le=2**62)]) -> dict[str, Any]:
        """Approve a proposed plan (409 if it is not proposed)."""
        check_csrf(request, None)
        return approve_plan(plan_id, db)

    @app.post("/api/plans/{plan_id}/orders", tags=["plans"])
    def api_orders(request: Request, plan_id: Annotated[int, PathParam(ge=1, le=2**62)],
                   format: str = "generic") -> dict[str, Any]:
        """Write the order file of an approved plan (it becomes sent); the file as ``csv``."""
        check_csrf(request, None)
        done, text = orders_file(plan_id, format)
        out = done.to_dict()
        out.pop("path")
        return {**out, "csv": text}

    @app.post("/api/plans/{plan_id}/fills", tags=["plans"])
    async def api_fills(request: Request, plan_id: Annotated[int, PathParam(ge=1, le=2**62)],
                        file: Annotated[UploadFile, File()],
                        format: Annotated[str, Form()] = "generic",
                        account: Annotated[str, Form()] = "") -> dict[str, Any]:
        """Record the plan's executions from a fills or transactions file."""
        check_csrf(request, None)
        check_choice(format, BROKER_FORMATS, "format")
        path = await save_upload(request, file)
        try:
            return import_fills(str(path), plan_id, db, fmt=format, account=account).to_dict()
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)

    @app.post("/api/imports", tags=["imports"])
    async def api_import(request: Request, file: Annotated[UploadFile, File()],
                         household: Annotated[str, Form()], account: Annotated[str, Form()],
                         kind: Annotated[str, Form()] = "positions",
                         format: Annotated[str, Form()] = "generic",
                         account_number: Annotated[str, Form()] = "",
                         dry_run: Annotated[bool, Form()] = True) -> dict[str, Any]:
        """Import a broker file into a household's account (a dry run unless
        ``dry_run=false``): what would change, the reconciliation."""
        check_csrf(request, None)
        check_choice(kind, IMPORT_KINDS, "kind")
        check_choice(format, BROKER_FORMATS, "format")
        path = await save_upload(request, file)
        try:
            report = import_file(kind, format, str(path), household=household,
                                 account=account, db=db, dry_run=dry_run,
                                 account_number=account_number or None)
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)
        out = report.to_dict()
        out["file"] = path.name
        out["lines"] = [clean(line, path.parent) for line in report.lines()]
        out["issues"] = [clean(i, path.parent) for i in out["issues"]]
        out["notes"] = [clean(i, path.parent) for i in out["notes"]]
        return out

    return app


def _usd(x: float | None) -> str:
    """Dollars as the CLI prints them: ``$1,234.50``, ``-$36.58``; ``—`` for none."""
    if x is None:
        return "—"
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def _number(text: str, what: str) -> float | None:
    text = text.strip().replace(",", "").lstrip("$")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{what}: not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise ConfigError(f"{what}: must be a number ≥ 0, got {text!r}")
    return value
