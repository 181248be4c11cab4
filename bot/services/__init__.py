"""Use cases, one module per capability. Each works inside a unit of work and returns
neutral replies (bot.views.Reply)."""
