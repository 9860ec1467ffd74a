"""Accounts endpoints: /auth/*, /me, /me/api-tokens, /users."""

from __future__ import annotations

from flask import current_app, jsonify
from flask.views import MethodView
from flask_jwt_extended import (
    current_user,
    get_jwt,
    get_jwt_request_location,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
)
from flask_limiter.util import get_remote_address

from gridsvc.accounts import api_tokens, service
from gridsvc.accounts.auth import current_scope, roles_required, utcnow
from gridsvc.accounts.schemas import (
    ApiTokenIn,
    ApiTokenOut,
    LoginIn,
    LogoutIn,
    RefreshOut,
    SessionOut,
    TokensOut,
    UserCreate,
    UserListArgs,
    UserOut,
    UserPage,
    UserUpdate,
)
from gridsvc.errors import problem
from gridsvc.extensions import db, limiter
from gridsvc.http import Blueprint, etag, require_if_match
from gridsvc.transactions import atomic

blp = Blueprint("accounts", __name__, description="Log in, tokens, who am I, user management")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/auth/login")
class Login(MethodView):
    decorators = [limiter.limit(_login_limit, key_func=lambda: _login_key())]

    @atomic  # a password hash of an older strength is upgraded on login
    @blp.arguments(LoginIn)
    @blp.response(200, TokensOut)
    @blp.alt_response(429, description="auth.throttled: too many failures for this username")
    @blp.doc(security=[])
    def post(self, data):
        """Exchange username and password for an access and a refresh token.

        After repeated failures for one username, further attempts get 429 ``auth.throttled``
        for a delay that doubles, whatever the client address: ``retry_after`` in the body is the
        delay left; the ``Retry-After`` header is never shorter (the per-address limiter raises
        it to its own window's reset).
        """
        return _log_in(data)


def _log_in(data: dict):
    """Check the credentials and open a session: its tokens, or the refusal as a response."""
    try:
        user = service.authenticate(
            data["username"], data["password"], address=get_remote_address()
        )
    except service.LOGIN_REFUSALS as refused:
        # The failure count must last although the answer is an error, which @atomic would
        # roll back; this commits nothing else (a failed login writes nothing but the count).
        db.session.commit()
        if isinstance(refused, service.Throttled):
            return problem(
                refused.status,
                refused.code,
                refused.detail,
                headers={"Retry-After": str(refused.retry_after)},
                **refused.extra,
            )
        raise
    return service.issue_tokens(user)


def _login_key() -> str:
    # Per client address: a phone farm behind one NAT shares it, so the default limit is generous.
    return f"login:{get_remote_address()}"


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @roles_required(refresh=True)
    @blp.response(200, RefreshOut)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self):
        """Trade a refresh token (as the bearer) for a new access token of the same session.

        A browser session (``POST /auth/session``) sends the refresh token as its cookie, with the
        ``X-CSRF-TOKEN`` header from the ``csrf_refresh_token`` cookie: the new access token is
        then set as the access cookie too."""
        tokens = service.refresh_access(current_user, get_jwt())
        if get_jwt_request_location() != "cookies":
            return tokens
        response = jsonify(RefreshOut().dump(tokens))
        set_access_cookies(response, tokens["access_token"])
        return response


@blp.route("/auth/logout")
class Logout(MethodView):
    @roles_required()
    @atomic
    @blp.arguments(LogoutIn)
    @blp.response(204)
    def post(self, data):
        """End the session: the access token, its refresh token (sent or not) and every access
        token refreshed from it. A ``refresh_token`` of another session of the caller ends that
        session too."""
        service.logout(get_jwt(), data.get("refresh_token"))


@blp.route("/auth/session")
class BrowserSession(MethodView):
    @limiter.limit(_login_limit, key_func=lambda: _login_key())
    @atomic
    @blp.arguments(LoginIn)
    @blp.response(201, SessionOut)
    @blp.alt_response(429, description="auth.throttled: too many failures for this username")
    @blp.doc(security=[])
    def post(self, data):
        """Log in a browser (the web console): the tokens go into HttpOnly cookies, not the body.

        The same credentials check and throttling as ``/auth/login``. The answer sets
        ``access_token_cookie`` and ``refresh_token_cookie`` (HttpOnly, SameSite=Lax, Secure in
        production) and the ``csrf_access_token`` / ``csrf_refresh_token`` cookies the page's
        script copies into the ``X-CSRF-TOKEN`` header of every write (double submit).
        """
        answer = _log_in(data)
        if not isinstance(answer, dict):
            return answer  # a refusal already rendered (throttled)
        response = jsonify(SessionOut().dump(answer))
        response.status_code = 201
        set_access_cookies(response, answer["access_token"])
        set_refresh_cookies(response, answer["refresh_token"])
        return response

    @roles_required()
    @atomic
    @blp.response(204)
    def delete(self):
        """Log out a browser: end the session (both tokens) and clear every session cookie.

        Needs the access cookie and its CSRF header, so another site cannot log a user out."""
        service.logout(get_jwt(), None)
        response = current_app.response_class(status=204)
        unset_jwt_cookies(response)
        return response


@blp.route("/me")
class Me(MethodView):
    @roles_required()
    @blp.response(200, UserOut)
    def get(self):
        """The caller, with role and scope."""
        return service.get_user(current_scope(), current_user.id)


@blp.route("/users")
class Users(MethodView):
    @roles_required("admin")
    @blp.arguments(UserListArgs, location="query")
    @blp.response(200, UserPage)
    def get(self, args):
        """Users in the caller's scope, by id, cursor-paged."""
        items, next_cursor = service.list_users(current_scope(), args)
        return {"items": items, "next_cursor": next_cursor}

    @roles_required("admin")
    @atomic
    @blp.arguments(UserCreate)
    @blp.response(201, UserOut)
    def post(self, data):
        """Create a user inside the caller's scope."""
        user = service.create_user(current_scope(), data)
        return user, 201, {"ETag": etag("user", user.id, user.version)}


@blp.route("/users/<int:user_id>")
class UserItem(MethodView):
    @roles_required("admin")
    @blp.response(200, UserOut)
    def get(self, user_id):
        """One user (404 when outside the caller's scope)."""
        user = service.get_user(current_scope(), user_id)
        return user, 200, {"ETag": etag("user", user.id, user.version)}

    @roles_required("admin")
    @atomic
    @blp.arguments(UserUpdate)
    @blp.response(200, UserOut)
    def patch(self, data, user_id):
        """Change role, scope, password or active flag; needs If-Match."""
        user = service.get_user(current_scope(), user_id)
        require_if_match(etag("user", user.id, user.version))
        user = service.update_user(current_scope(), user, data)
        return user, 200, {"ETag": etag("user", user.id, user.version)}


@blp.route("/users/<int:user_id>/unlock")
class UserUnlock(MethodView):
    @roles_required("admin")
    @atomic
    @blp.response(204)
    def post(self, user_id):
        """Lift the login delay after failed logins (audited as ``login.unlocked``)."""
        scope = current_scope()
        service.unlock(scope, service.get_user(scope, user_id))


@blp.route("/me/api-tokens")
class MyApiTokens(MethodView):
    @roles_required()
    @blp.response(200, ApiTokenOut(many=True))
    def get(self):
        """The caller's personal API tokens (never their secrets)."""
        return api_tokens.list_tokens(current_user.id)

    @roles_required()
    @atomic
    @blp.arguments(ApiTokenIn)
    @blp.response(201, ApiTokenOut)
    def post(self, data):
        """A personal read-only API token for QGIS and scripts: its secret is in this answer only.

        Use it as ``Authorization: Bearer <token>`` or HTTP Basic (username, token). A retry with
        the same ``client_id`` answers 200 with the first token, without its secret."""
        token, secret = api_tokens.create_token(current_user.id, data, utcnow())
        if secret is None:
            return token, 200
        token.token = secret  # not a column: this answer only
        return token, 201


@blp.route("/me/api-tokens/<int:token_id>")
class MyApiToken(MethodView):
    @roles_required()
    @atomic
    @blp.response(204)
    def delete(self, token_id):
        """Revoke one of the caller's tokens (at once, in every process)."""
        api_tokens.revoke_token(current_user.id, token_id, utcnow())
