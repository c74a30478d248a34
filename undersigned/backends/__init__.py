"""Database backends of our own: Django's PostgreSQL backend with a cheaper health check."""
