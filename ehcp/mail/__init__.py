"""Email: what a planned message says and to whom (messages), the outbox it is queued in
(outbox), composing and sending it over SMTP (compose, transport, delivery), and the local
development server (local_server)."""
