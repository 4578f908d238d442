"""The background worker: a persistent job queue, handlers and the runtime sandbox."""
