"""The baseline every webhook benchmark compares against: bare Flask, constant TwiML."""

from flask import Flask, Response

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/voice/step?n=welcome&amp;t=0" '
    'input="dtmf speech" numDigits="1"><Say>Thank you for calling.</Say></Gather></Response>'
)

app = Flask(__name__)


@app.post("/<path:_path>")
def constant(_path: str) -> Response:
    """Answer any POST with the same TwiML string."""
    return Response(TWIML, mimetype="text/xml")
