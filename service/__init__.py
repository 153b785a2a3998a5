"""The shell around ``flows``: Flask webhooks, TwiML, Redis, the follow-up worker, the CLI."""
