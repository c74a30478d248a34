"""The delivery app keeps no models of its own: the outbox is the core's
(statements/models/outbox.py), written in the same transaction as what caused each email;
this app sends it (emails.py, the worker command)."""
