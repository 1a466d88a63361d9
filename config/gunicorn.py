"""gunicorn's settings for the web process groups (``gunicorn -c config/gunicorn.py``).

gunicorn's own lines (start-up, worker boots, timeouts) go through the hotline's JSON
formatter like every other line (no number in clear): its default format uses ``%(process)d``,
which breaks once the app switches off process ids in records for speed.
"""

from __future__ import annotations

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False, "qualname": "gunicorn.error"},
        "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False, "qualname": "gunicorn.access"},
    },
    "root": {"level": "WARNING", "handlers": ["stderr"]},
}

# The access log never holds a query string or a referrer: dashboard searches put numbers and
# A-numbers there (?q=%2B1202...). %(U)s is the path alone; no user agent either.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

# Two process groups (web and office) run side by side; the control socket (one default path
# per user) is not used by this project and would be fought over.
control_socket_disable = True

# The operator API answers an over-long path itself, as JSON (web/office/openapi.py allows 2048
# characters); gunicorn's own refusal (an HTML 414 at 4094) is kept for lines past the largest it allows.
limit_request_line = 8190
