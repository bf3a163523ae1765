"""CRM integration: the webhook outbox (events written with the change they tell of, signed
and delivered by a job, in order per record, retried, logged and replayable)."""
