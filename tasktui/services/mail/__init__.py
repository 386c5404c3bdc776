"""Email: the SMTP settings, the outbox written with each new task, and the delivery that sends it."""
