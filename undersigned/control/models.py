"""The staff app keeps no models of its own: the audit log is the core's
(statements/models/audit.py), so that domain rules can record themselves."""
