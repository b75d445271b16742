"""Errors that the CLI turns into clean messages and exit codes (never tracebacks)."""

from __future__ import annotations


class IvrCiError(Exception):
    """Base of every error the CLI reports as a one-line message."""

    exit_code = 1


class UsageError(IvrCiError):
    """Bad command-line usage: exit 2."""

    exit_code = 2


class ConfigError(IvrCiError):
    """A bad `.ivr-ci.yaml` (or other config/seed file): exit 2.

    The message names the file and, where known, the line.
    """

    exit_code = 2


class OperationFailed(IvrCiError):
    """An online operation failed (deploy, API error after retries): exit 1."""

    exit_code = 1
