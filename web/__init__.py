"""The web layer: the phone side (``web.phone``) answers Twilio, the office side (``web.office``) serves operators.

The two packages mirror the Procfile's two process groups and never import each
other's views. What both use stands here: the request context (``context``),
operator log-in (``auth``), input checks, health, metrics and the process-group
routing.
"""
