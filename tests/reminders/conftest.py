from tests.alerts.support import https_client, monitoring_env, oncall  # noqa: F401
from tests.mail.smtp import smtp, smtp_down  # noqa: F401
