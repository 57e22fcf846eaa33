"""Sign in, register, sign out and the profile page (HTML; shared/design.md §5).

The same service functions as /api/v1/auth: `service.login` issues the token pair that goes into
the HttpOnly cookies, `service.logout` revokes it, `users.register` creates the pending account.
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from api.auth import oidc_views, personal_tokens, schemas, service, sso_rules
from api.db import utcnow
from api.users import service as users
from api.web import forms
from api.web.session import (
    current_web_user,
    page_login_required,
    safe_next,
    sign_in_response,
    sign_out,
    web_user,
)

blp = Blueprint("auth_web", __name__)


def _zone_options(user) -> list[tuple[str, list[tuple[str, str]]]]:
    return forms.zone_groups(users.time_zones(), keep=user.timezone)


def _preferences_form(user) -> forms.Form:
    return forms.Form(
        {
            "timezone": user.timezone,
            "notify_daily_reminder": user.notify_daily_reminder,
            "notify_reports": user.notify_reports,
            "notify_sign_in": user.notify_sign_in,
        }
    )


def _profile_page(user, status: int, **parts):
    """The profile page; `parts` replaces its forms or adds the token just created."""
    context = {
        "form": _preferences_form(user),
        "password_form": forms.Form(),
        "token_form": forms.Form({"expires_in": "30", "scopes": ["tasks:read"]}),
        "new_token": None,
        **parts,
    }
    return render_template(
        "auth/profile.html",
        zone_options=_zone_options(user),
        tokens=personal_tokens.list_tokens(actor=user),
        scope_choices=personal_tokens.scope_choices(user),
        expiry_choices=TOKEN_EXPIRIES,
        **context,
    ), status


@blp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Show the sign-in form; on success set the session cookies and go to `next`."""
    nxt = safe_next(request.values.get("next"))
    if current_web_user() is not None and request.method == "GET":
        return redirect(nxt)
    form = forms.read_form(("login",), secret=("password",))
    if request.method == "GET":
        return render_template("auth/sign_in.html", form=form, next=nxt)
    data = forms.load(
        form,
        schemas.LoginIn(),
        {"login": request.form.get("login", ""), "password": request.form.get("password", "")},
    )
    if data is None:
        return render_template("auth/sign_in.html", form=form, next=nxt), 422
    with forms.attempt() as outcome:
        tokens = service.login(
            login=data["login"], password=data["password"], address=request.remote_addr
        )
        response = sign_in_response(redirect(nxt), tokens)
        oidc_views.after_password_sign_in(tokens)
        return response
    form.message = outcome.message
    response = make_response(render_template("auth/sign_in.html", form=form, next=nxt))
    response.status_code = outcome.code
    for key, value in outcome.headers.items():
        if key.lower() == "retry-after":
            response.headers[key] = value
    return response


@blp.route("/register", methods=["GET", "POST"])
def register():
    """Create a pending account; an admin approves it and decides the role."""
    form = forms.read_form(
        ("email", "username", "requested_role", "timezone"), secret=("password",)
    )
    context = {
        "zone_options": forms.zone_groups(users.time_zones()),
        "role_options": [(role.value, role.value.capitalize()) for role in users.REQUESTABLE_ROLES],
    }
    if request.method == "GET":
        return render_template("auth/register.html", form=form, **context)
    raw = {name: request.form.get(name, "") for name in ("email", "username", "requested_role")}
    raw["password"] = request.form.get("password", "")
    raw["timezone"] = request.form.get("timezone", "")
    data = forms.load(form, schemas.RegisterIn(), raw, drop_blank=("requested_role", "timezone"))
    if request.form.get("password") != request.form.get("password_confirm"):
        form.add_error("password_confirm", "The two passwords differ.")
    # Every field's problems at once (issue 12): the account rules on each field the schema let
    # through, so one submission reports the username, the mismatch and a weak password together.
    checked = {k: raw[k] for k in ("email", "username", "timezone") if raw.get(k)}
    checked["password"] = raw["password"]
    for name, messages in users.account_problems(
        **{k: v for k, v in checked.items() if k not in form.errors}
    ).items():
        for message in messages:
            form.add_error(name, message)
    if not form.ok:
        return render_template("auth/register.html", form=form, **context), 422
    with forms.attempt(form) as outcome:
        sso_rules.check_password_registration()
        users.register(**data)
        flash(service.REGISTERED, "success")  # the same whether or not the address had one
        return redirect(url_for("auth_web.sign_in"))
    return render_template("auth/register.html", form=form, **context), outcome.code


@blp.route("/password-reset", methods=["GET", "POST"])
def password_reset():
    """Ask for a reset link; the answer is the same whether or not the address has an account.

    OWASP ASVS 5.0 6.4: no account enumeration. The link the email carries opens
    `password_reset_confirm`; rate-limited per address and per account (api/limits.py).
    """
    form = forms.read_form(("email",))
    if request.method == "GET":
        return render_template("auth/password_reset.html", form=form)
    data = forms.load(
        form, schemas.PasswordResetRequest(), {"email": request.form.get("email", "")}
    )
    if data is None:
        return render_template("auth/password_reset.html", form=form), 422
    service.request_password_reset(email=data["email"])
    minutes = current_app.config["PASSWORD_RESET_TTL"] // 60
    flash(
        "If an active account uses that address, a reset link is on its way. "
        f"It works once, for {minutes} minutes.",
        "info",
    )
    return redirect(url_for("auth_web.sign_in"))


@blp.route("/password-reset/confirm", methods=["GET", "POST"])
def password_reset_confirm():
    """Set a new password from the emailed link (`?token=`); other sessions are signed out."""
    token = request.values.get("token", "")
    form = forms.Form()
    if request.method == "GET":
        return render_template("auth/password_reset_confirm.html", form=form, token=token)
    data = forms.load(
        form,
        schemas.PasswordResetConfirm(),
        {"token": token, "new_password": request.form.get("new_password", "")},
    )
    if data is not None and request.form.get("new_password") != request.form.get(
        "new_password_confirm"
    ):
        form.add_error("new_password_confirm", "The two passwords differ.")
        data = None
    if data is None:
        return render_template("auth/password_reset_confirm.html", form=form, token=token), 422
    with forms.attempt(form) as outcome:
        service.confirm_password_reset(token=data["token"], new_password=data["new_password"])
        flash("Your password is set. Sign in with it.", "success")
        return redirect(url_for("auth_web.sign_in"))
    page = render_template("auth/password_reset_confirm.html", form=form, token=token)
    return page, outcome.code


@blp.post("/sign-out")
@page_login_required()
def sign_out_view():
    """Revoke the session's tokens and clear the cookies."""
    response = redirect(url_for("auth_web.sign_in"))
    sign_out(response)
    flash("You have signed out.", "info")
    return response


@blp.route("/profile", methods=["GET", "POST"])
@page_login_required()
def profile():
    """Time zone and email preferences (PATCH /auth/me's rules)."""
    user = web_user()
    form = _preferences_form(user)
    if request.method == "POST":
        form = forms.read_form(("timezone",))
        raw = {
            "timezone": request.form.get("timezone", ""),
            **{name: forms.checkbox(name) for name in service.PROFILE_FIELDS[1:]},
        }
        form.values.update({k: v for k, v in raw.items() if k != "timezone"})
        data = forms.load(form, schemas.ProfileUpdate(), raw)
        if data is not None:
            with forms.attempt(form):
                service.update_profile(user=user, changes=data)
                flash("Your profile is saved.", "success")
                return redirect(url_for("auth_web.profile"))
        status = 422
    else:
        status = 200
    return _profile_page(user, status, form=form)


@blp.post("/profile/password")
@page_login_required()
def change_password():
    """Change the password; every other session is signed out, this one gets a fresh pair."""
    user = web_user()
    password_form = forms.Form()
    data = forms.load(
        password_form,
        schemas.PasswordChange(),
        {
            "current_password": request.form.get("current_password", ""),
            "new_password": request.form.get("new_password", ""),
        },
    )
    if data is not None and request.form.get("new_password") != request.form.get(
        "new_password_confirm"
    ):
        password_form.add_error("new_password_confirm", "The two passwords differ.")
        data = None
    status = 422
    if data is not None:
        with forms.attempt(password_form) as outcome:
            tokens = service.change_password(
                user=user, current=data["current_password"], new=data["new_password"]
            )
            flash("Your password is changed. Other sessions have been signed out.", "success")
            return sign_in_response(redirect(url_for("auth_web.profile")), tokens)
        status = outcome.code
    return _profile_page(user, status, password_form=password_form)


# The expiries the profile page offers, in days (the API takes any moment up to 366 days away).
TOKEN_EXPIRIES = (("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("365", "1 year"))


@blp.post("/profile/tokens")
@page_login_required()
def create_token():
    """Create a personal access token; the page shows its secret this once (never stored)."""
    user = web_user()
    scopes = request.form.getlist("scopes")
    token_form = forms.read_form(("name", "expires_in"))
    token_form.values["scopes"] = scopes
    days = request.form.get("expires_in", "")
    if days not in dict(TOKEN_EXPIRIES):
        token_form.add_error("expires_in", "Choose when the token expires.")
    if not request.form.get("name", "").strip():
        token_form.add_error("name", "Enter a name for the token.")
    if not scopes:
        token_form.add_error("scopes", "Choose at least one scope.")
    if not token_form.ok:
        return _profile_page(user, 422, token_form=token_form)
    with forms.attempt(token_form) as outcome:
        token, secret = personal_tokens.create(
            actor=user,
            name=request.form["name"][:100],
            scopes=scopes,
            expires_at=utcnow() + timedelta(days=int(days)),
        )
        new_token = {"name": token.name, "secret": secret}
        return _profile_page(user, 201, new_token=new_token)
    return _profile_page(user, outcome.code, token_form=token_form)


@blp.post("/profile/tokens/<int:token_id>/revoke")
@page_login_required()
def revoke_token(token_id: int):
    """Revoke one of the signed-in person's tokens (404 for another's)."""
    personal_tokens.revoke(actor=web_user(), token_id=token_id)
    flash("The token is revoked: it no longer works.", "success")
    return redirect(url_for("auth_web.profile", _anchor="api-tokens"))
