"""One error hierarchy. JSON `{"error", "detail"}` under /api/, an HTML page elsewhere."""

from __future__ import annotations

from typing import Any

from app.i18n import N_


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    title = N_("Something went wrong")

    def __init__(self, detail: str | None = None, *, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.detail}


class NotAuthenticated(AppError):
    status_code, code, title = 401, "not_authenticated", N_("Please sign in to continue.")


class Forbidden(AppError):
    status_code, code, title = 403, "forbidden", N_("You do not have access to this.")


class NotFound(AppError):
    status_code, code, title = 404, "not_found", N_("We could not find that page.")


class Conflict(AppError):
    status_code, code, title = 409, "conflict", N_("That conflicts with something that already exists.")


class TooManyRequests(AppError):
    status_code, code, title = 429, "too_many_requests", N_("Too many attempts. Please wait a moment and try again.")


class InvalidInput(AppError):
    """A business-rule validation failure the schema could not express (still 422)."""

    status_code, code, title = 422, "invalid_input", N_("Some of the answers need another look.")

    def __init__(self, detail: str, *, field: str | None = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.field = field

    def body(self) -> dict[str, Any]:
        loc = ["body"] + ([p for p in self.field.split(".")] if self.field else [])
        return {"error": "validation_error",
                "detail": [{"loc": loc, "msg": self.detail, "type": "value_error"}]}
