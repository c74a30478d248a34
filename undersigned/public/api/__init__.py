"""Open data, read-only and versioned: /api/v1/."""
