"""Platform adapters: console, Discord, Slack."""
