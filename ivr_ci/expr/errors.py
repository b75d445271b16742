"""The one exception of the expression package."""

from __future__ import annotations


class ExprSyntaxError(Exception):
    """The text is not an Architect expression.

    `message` is worded as Architect words it ("Missing ) for ( at position 8."), `offset`
    is 0-based into the expression text, `detail` says in plain words what is wrong.
    """

    def __init__(self, message: str, offset: int, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else self.message
