"""Slack adapter: slack-bolt app rendering the core's replies as Block Kit."""
