"""The chat workflow's functions: plan, the six tools, answer, and the chat HTTP API."""
