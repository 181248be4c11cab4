"""Discord adapter: discord.py application commands, components and modals mapped to the core."""
