"""API tokens: given in a source's settings, sent only as a header, scrubbed from everything kept.

A token must never reach a log, a snapshot, metadata, an exception or an output. It is held as a
``SecretStr`` (shown as ``**********``) until a client sends it as a header (never in a URL);
whatever text an API answers is passed through ``redact`` before it is archived or put into an
error message, in case the API echoes the request.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import SecretStr

REDACTED = "[REDACTED]"


def secret(token: SecretStr | None) -> str | None:
    """The token's text, or None when it is unset or blank."""
    return (token.get_secret_value().strip() or None) if token is not None else None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret replaced by [REDACTED]."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def redact_bytes(body: bytes, secrets: Iterable[str | None]) -> bytes:
    """A response body with every secret replaced (bodies are archived exactly otherwise)."""
    for secret in secrets:
        if secret:
            body = body.replace(secret.encode(), REDACTED.encode())
    return body
