from tests.alerts.support import oncall  # noqa: F401
