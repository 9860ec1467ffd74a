"""The console's routes: log-in, the role's landing page, and one shell per row of the page table.

Pages are HTML shells; the data comes from the public ``/api/v1`` API, which the page's script
calls with the session cookies (so the API's scope applies to the console exactly as to a phone).
The server decides only who may open which page, by the role of the verified access cookie: a
page the role may not use answers 403 with a Chinese page, never the shell.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_jwt_extended import current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError

from gridsvc.console.pages import BY_PATH, Page, landing_page, pages_for
from gridsvc.console.security import install_security_headers
from gridsvc.i18n import ZH_WORDS

blp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
install_security_headers(blp)


def _signed_in():
    """The caller of a verified, unrevoked access cookie, or None (then the page asks to log in).

    An expired access cookie is "not signed in" here: the login page's script first tries the
    refresh cookie, so a user whose refresh token still lives comes straight back.
    """
    try:
        verify_jwt_in_request(optional=True, locations=["cookies"])
    except (JWTExtendedException, PyJWTError):
        return None
    return current_user or None


def _to_login() -> Response:
    return redirect(url_for("console.login", next=request.full_path.rstrip("?")))


@blp.get("/login")
def login():
    """The log-in form (username and password; see static/js/pages/login.js)."""
    target = safe_next(request.args.get("next"))
    return render_template(
        "console/login.html",
        page_title="登录",
        config=_config(None, next=target),
        nav=[],
        user=None,
    )


@blp.get("/")
def home():
    """Send each role to the page it works on; a role without pages gets the Chinese 403 page."""
    user = _signed_in()
    if user is None:
        return redirect(url_for("console.login"))
    page = landing_page(user.role)
    if page is None:
        return _forbidden(user, "控制台没有为您的角色提供页面，请使用手机应用办理业务。")
    return redirect(url_for("console.page", path=page.path))


@blp.get("/<path:path>")
def page(path: str):
    """A page of the table: its shell for a role that may use it, else 403 (or 404 if unknown)."""
    entry = BY_PATH.get(path)
    if entry is None:
        return _message_page("页面不存在", "您要打开的页面不存在。", None, status=404)
    user = _signed_in()
    if user is None:
        return _to_login()
    if user.role not in entry.roles:
        return _forbidden(
            user, f"您的角色（{zh_role_name(user.role)}）无权使用“{entry.title}”页面。"
        )
    return render_template(
        f"console/{entry.template}",
        page=entry,
        page_title=entry.title,
        config=_config(user, entry),
        nav=pages_for(user.role),
        user=user,
        role_name=zh_role_name(user.role),
    )


def zh_role_name(role: str) -> str:
    return ZH_WORDS.get(role, role)


def _forbidden(user, message: str) -> Response:
    return _message_page("无权访问", message, user, status=403)


def _message_page(title: str, message: str, user, *, status: int) -> Response:
    body = render_template(
        "console/message.html",
        page_title=title,
        message=message,
        config=_config(user),
        nav=pages_for(user.role) if user is not None else [],
        user=user,
        role_name=zh_role_name(user.role) if user is not None else "",
    )
    return Response(body, status=status, mimetype="text/html")


def _config(user, entry: Page | None = None, **extra) -> dict:
    """What the page's scripts need; base.html renders it with ``tojson`` (HTML-safe JSON) into
    a <script type="application/json"> element."""
    settings = current_app.config
    basemap = None
    if settings.get("CONSOLE_BASEMAP_URL"):
        url = settings["CONSOLE_BASEMAP_URL"].replace(
            "{key}", settings.get("CONSOLE_BASEMAP_KEY") or ""
        )
        basemap = {"url": url, "attribution": settings.get("CONSOLE_BASEMAP_ATTRIBUTION") or ""}
    return {
        "api": "/api/v1",
        "console": url_for("console.home"),
        "page": entry.path if entry else None,
        "user": None
        if user is None
        else {
            "id": user.id,
            "username": user.username,
            "role": user.role,
            "county_code": user.county_code,
            "township_code": user.township_code,
            "team_id": user.team_id,
        },
        "basemap": basemap,
        "labels": ZH_WORDS,
        **extra,
    }


def safe_next(target: str | None) -> str:
    """A ``next`` the login page may go to: a console path on this site, never another site."""
    if not target:
        return url_for("console.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console/"):
        return url_for("console.home")
    return target
