"""The error every publishing step raises: one line saying why and what to do."""


class PublishError(RuntimeError):
    """Publishing cannot go on; the message says why and what to do (never the token)."""
