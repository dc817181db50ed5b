"""Dates that matter (obligations), reminders and e-mail notifications through an outbox."""
