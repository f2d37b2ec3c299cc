"""Email: compose outbox rows, send them over SMTP, and the local development server."""
