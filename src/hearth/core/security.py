"""Credentials: argon2 password hashing, JWT access tokens, and hashing of high-entropy secrets
(refresh tokens, API keys), which need a fast keyed hash rather than a slow password hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hearth.core.errors import Unauthenticated
from hearth.core.ids import new_id

JWT_ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("hearth-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def hash_token(token: str) -> str:
    """Digest for lookup of random tokens; they carry 256 bits, so a fast hash is enough and
    keys survive a rotation of the signing secret."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    token_id: str
    expires_at: datetime


def issue_access_token(user_id: str, key: str, now: datetime, ttl_s: int) -> tuple[str, AccessClaims]:
    claims = AccessClaims(user_id=user_id, token_id=new_id(), expires_at=now + timedelta(seconds=ttl_s))
    token = jwt.encode(
        {
            "sub": user_id,
            "jti": claims.token_id,
            "typ": ACCESS_TOKEN_TYPE,
            "iat": int(now.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        },
        key,
        algorithm=JWT_ALGORITHM,
    )
    return token, claims


def decode_access_token(token: str, key: str) -> str:
    """Return the user id of a valid access token or raise Unauthenticated."""
    try:
        payload = jwt.decode(
            token, key, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub", "typ"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("access token expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("invalid access token") from exc
    if payload.get("typ") != ACCESS_TOKEN_TYPE or not isinstance(payload.get("sub"), str):
        raise Unauthenticated("invalid access token")
    return payload["sub"]
