"""Signing in with the council's OpenID Connect provider (Microsoft Entra ID or another).

Authlib finds the provider's endpoints and keys from OIDC_ISSUER's discovery document, keeps
the state, nonce and PKCE verifier in the session, and checks the ID token's signature against
the provider's JWKS. This module decides who the person is here: the account with the email
the token names, with its role from a group claim when role groups are configured.

Nothing here logs a token or a claim: the log gets a reason code and, once known, a user id.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.flask_client import OAuth, OAuthError
from authlib.oidc.core import CodeIDToken
from flask import Flask, current_app
from joserfc.errors import JoseError

from webapp.auth.service import find_user, normalise_email
from webapp.clock import server_now
from webapp.extensions import db
from webapp.models import Role, User

PROVIDER = "council"
# Highest first: someone in both the managers' and the practitioners' groups is a manager.
ROLES_BY_RANK = (Role.ADMIN, Role.MANAGER, Role.PRACTITIONER)


class SignInRefused(Exception):
    """The provider's answer does not sign anyone in; the message is for the person.

    `reason` is a short code for the log, never a claim's value. `status` is 400 for an answer
    that is broken or forged, 403 for a person the answer names who may not come in.
    """

    def __init__(self, message: str, reason: str, status: int = 400):
        super().__init__(message)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    email_claim: str
    roles_claim: str
    role_groups: Mapping[Role, frozenset[str]]
    allow_unknown_users: bool

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OidcSettings | None:
        """The settings, or None when single sign-on is not configured."""
        if not config.get("OIDC_ISSUER"):
            return None
        return cls(
            issuer=config["OIDC_ISSUER"],
            client_id=config["OIDC_CLIENT_ID"],
            email_claim=config["OIDC_EMAIL_CLAIM"],
            roles_claim=config["OIDC_ROLES_CLAIM"],
            role_groups={
                role: frozenset(config[f"OIDC_{role.name}_GROUPS"]) for role in ROLES_BY_RANK
            },
            allow_unknown_users=config["OIDC_ALLOW_UNKNOWN_USERS"],
        )

    @property
    def roles_from_groups(self) -> bool:
        return any(self.role_groups.values())


def init_oidc(app: Flask) -> None:
    """Register the provider when OIDC_ISSUER is set, after checking the settings agree.

    Raises:
        RuntimeError: a setting is missing, or nobody could sign in.
    """
    config = app.config
    if not config.get("OIDC_ISSUER"):
        if not config["LOCAL_PASSWORDS"]:
            raise RuntimeError(
                "LOCAL_PASSWORDS=0 needs OIDC_ISSUER: otherwise nobody could sign in"
            )
        return
    missing = [name for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET") if not config.get(name)]
    if missing:
        raise RuntimeError(f"OIDC_ISSUER is set, so {' and '.join(missing)} must be set too")
    # The issuer is compared exactly with the ID token's `iss`, trailing slash and all.
    discovery = config["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration"
    # One OAuth registry per app: Authlib caches clients by name in the registry, and each app
    # (each test's, in particular) has its own provider settings.
    oauth = OAuth(app)
    oauth.register(
        PROVIDER,
        client_id=config["OIDC_CLIENT_ID"],
        client_secret=config["OIDC_CLIENT_SECRET"],
        server_metadata_url=discovery,
        client_kwargs={
            "scope": config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "default_timeout": config["OIDC_HTTP_TIMEOUT"],
        },
    )


def oidc_client():
    """The registered provider's Authlib client, or None when single sign-on is off."""
    oauth = current_app.extensions.get("authlib.integrations.flask_client")
    return oauth.create_client(PROVIDER) if oauth else None


UNREACHABLE = "Your council's sign-in service could not be reached. Try again in a few minutes."


def redirect_to_provider(client, callback_url: str, prompt: str):
    """The redirect to the provider's authorization endpoint, with state, nonce and PKCE.

    Raises:
        SignInRefused: the provider's discovery document could not be fetched.
    """
    extra = {"prompt": prompt} if prompt else {}
    try:
        return client.authorize_redirect(callback_url, **extra)
    except (requests.RequestException, ValueError):
        raise SignInRefused(UNREACHABLE, "unreachable", 503) from None


class IDTokenAtServerTime(CodeIDToken):
    """Checks exp, iat and nbf against the app's clock, so that tests move it instead of waiting."""

    def validate(self, now=None, leeway=0):
        super().validate(now=int(server_now().timestamp()), leeway=leeway)


def verified_claims(client, settings: OidcSettings) -> Mapping[str, Any]:
    """The claims of the ID token in the provider's answer, once every check has passed.

    Checks: the state matches one this session started, the code is exchanged at the token
    endpoint with the PKCE verifier, and the ID token is signed by a key in the provider's
    JWKS, issued by OIDC_ISSUER to OIDC_CLIENT_ID, carries this session's nonce, and is in date.

    Raises:
        SignInRefused: any check failed, or the provider said no or could not be reached.
    """
    try:
        token = client.authorize_access_token(
            claims_cls=IDTokenAtServerTime,
            claims_options={
                "iss": {"essential": True, "value": settings.issuer},
                "aud": {"essential": True, "value": settings.client_id},
            },
            leeway=int(current_app.config["OIDC_CLOCK_LEEWAY"].total_seconds()),
        )
    except OAuthError as exc:
        if exc.error == "mismatching_state":
            raise SignInRefused(
                "This sign-in link has expired or was not started on this device. "
                "Start again from this page.",
                "state",
            ) from None
        raise SignInRefused(
            "Your council's sign-in service did not sign you in. Try again, or ask IT if it "
            "keeps happening.",
            f"provider:{exc.error}",
        ) from None
    except JoseError as exc:
        raise SignInRefused(
            "The answer from your council's sign-in service could not be trusted, so you "
            "have not been signed in. Try again.",
            f"id_token:{exc.error}",
        ) from None
    except requests.RequestException:
        raise SignInRefused(UNREACHABLE, "unreachable", 503) from None
    claims = token.get("userinfo")
    if not claims:
        raise SignInRefused(
            "Your council's sign-in service sent no ID token, so you have not been signed in.",
            "no_id_token",
        )
    return claims


def role_from_claims(claims: Mapping[str, Any], settings: OidcSettings) -> Role | None:
    """The highest role whose groups the claims list; None when no role groups are configured.

    Raises:
        SignInRefused: role groups are configured and the person is in none of them.
    """
    if not settings.roles_from_groups:
        return None
    if settings.roles_claim not in claims and settings.roles_claim in claims.get("_claim_names", {}):
        # Microsoft Entra ID leaves the groups out when someone is in more than 200 of them.
        raise SignInRefused(
            "Your council account is in too many groups for Visit recorder to see them. "
            "Ask IT to send only the groups assigned to the application.",
            "groups_overage",
            403,
        )
    listed = claims.get(settings.roles_claim) or []
    groups = {listed} if isinstance(listed, str) else set(listed)
    for role in ROLES_BY_RANK:
        if groups & settings.role_groups[role]:
            return role
    raise SignInRefused(
        "Your council account is not in a group that may use Visit recorder. Ask IT or your "
        "manager to add you.",
        "no_role_group",
        403,
    )


def account_for(claims: Mapping[str, Any], settings: OidcSettings) -> User:
    """The account for these verified claims: matched by email, created only if allowed.

    Raises:
        SignInRefused: no usable email, no account (and none may be made), or the account is
            switched off.
    """
    email = claims.get(settings.email_claim)
    if not isinstance(email, str) or "@" not in email or claims.get("email_verified") is False:
        raise SignInRefused(
            "Your council account has no verified email address that Visit recorder can use. "
            "Ask IT.",
            "no_email",
            403,
        )
    role = role_from_claims(claims, settings)
    user = find_user(email)
    if user is None:
        if not settings.allow_unknown_users:
            raise SignInRefused(
                "There is no Visit recorder account for your council account's email address. "
                "Ask your manager to add you.",
                "unknown_user",
                403,
            )
        name = claims.get("name")
        user = User(
            email=normalise_email(email),
            name=name if isinstance(name, str) and name.strip() else email.split("@")[0],
            role=(role or Role.PRACTITIONER).value,
        )
        db.session.add(user)
    elif not user.is_active:
        raise SignInRefused(
            "Your Visit recorder account is switched off. Ask your manager if this is wrong.",
            "switched_off",
            403,
        )
    if role is not None:
        user.role = role.value
    db.session.commit()
    return user


def provider_sign_out_url(client, client_id: str, signed_out_to: str) -> str | None:
    """Where to end the session at the provider too (RP-initiated logout), if it says."""
    try:
        endpoint = client.load_server_metadata().get("end_session_endpoint")
    except (requests.RequestException, ValueError):
        return None
    if not endpoint:
        return None
    query = urlencode({"client_id": client_id, "post_logout_redirect_uri": signed_out_to})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
