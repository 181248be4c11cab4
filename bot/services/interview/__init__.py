"""Mock interviews by level (`/interview`).

- `plan`: sections, lengths, tracks' topics, the suggested level, choosing questions;
- `followups`: the one targeted follow-up after an answer (content: `Question.follow_ups`);
- `scorecard`: the pure arithmetic of the scorecard and the bar per level;
- `render`: the question and scorecard Replies;
- `service`: `InterviewService`, the use cases over the unit of work.
"""

from bot.services.interview.service import InterviewService

__all__ = ["InterviewService"]
