"""One module per runbook step: read state, plan, apply, verify. ``status`` ties them together."""
