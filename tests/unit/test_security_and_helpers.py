from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from hearth.api.middleware import _route_template
from hearth.core.errors import InvalidInput, Unauthenticated
from hearth.core.security import (
    decode_access_token,
    hash_password,
    hash_token,
    issue_access_token,
    verify_password,
)
from hearth.repositories.pagination import decode_cursor, encode_cursor
from hearth.schemas.common import MAX_JSON_DEPTH, check_json_value

KEY = "k" * 40


def test_password_hash_round_trip() -> None:
    hashed = hash_password("a long passphrase")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "a long passphrase")
    assert not verify_password(hashed, "another passphrase")
    assert not verify_password(None, "a long passphrase")
    assert not verify_password("not-a-hash", "a long passphrase")


def test_access_token_round_trip_and_expiry() -> None:
    now = datetime.now(UTC)
    token, claims = issue_access_token("user-1", KEY, now, 60)
    assert decode_access_token(token, KEY) == "user-1"
    assert claims.expires_at == now + timedelta(seconds=60)
    expired, _ = issue_access_token("user-1", KEY, now - timedelta(hours=1), 60)
    with pytest.raises(Unauthenticated, match="expired"):
        decode_access_token(expired, KEY)


def test_tokens_of_other_types_or_algorithms_are_refused() -> None:
    now = int(datetime.now(UTC).timestamp())
    refresh_like = jwt.encode({"sub": "u", "typ": "refresh", "exp": now + 60}, KEY, algorithm="HS256")
    unsigned = jwt.encode({"sub": "u", "typ": "access", "exp": now + 60}, None, algorithm="none")
    for token in (refresh_like, unsigned, "garbage"):
        with pytest.raises(Unauthenticated):
            decode_access_token(token, KEY)


def test_token_digest_is_stable_and_not_the_token() -> None:
    assert hash_token("hk_abc") == hash_token("hk_abc") != "hk_abc"
    assert len(hash_token("hk_abc")) == 64


def test_cursor_round_trip_and_garbage() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert decode_cursor(encode_cursor(when, "id-9")) == (when, "id-9")
    with pytest.raises(InvalidInput):
        decode_cursor("!!!")


def test_json_guard() -> None:
    assert check_json_value({"a": [1, "two", {"b": None}]})
    with pytest.raises(ValueError, match="NUL"):
        check_json_value({"a": ["ok", "b\x00d"]})
    with pytest.raises(ValueError, match="NUL"):
        check_json_value({"k\x00": 1})
    deep: object = 1
    for _ in range(MAX_JSON_DEPTH + 2):
        deep = [deep]
    with pytest.raises(ValueError, match="nested"):
        check_json_value(deep)


class _Route:
    def __init__(self, path: str) -> None:
        self.path = path


@pytest.mark.parametrize(
    ("path", "template", "expected"),
    [
        ("/api/v1/users/abc", "/users/{user_id}", "/api/v1/users/{user_id}"),
        ("/api/v1/users/abc", "/api/v1/users/{user_id}", "/api/v1/users/{user_id}"),
        ("/health", "/health", "/health"),
        ("/api/v1/api-keys/", "/api-keys", "/api/v1/api-keys"),
    ],
)
def test_route_template_restores_router_prefixes(path: str, template: str, expected: str) -> None:
    assert _route_template({"path": path, "route": _Route(template)}) == expected
    assert _route_template({"path": path}) == "unmatched"
