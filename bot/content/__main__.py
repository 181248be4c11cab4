"""`python -m bot.content [PATH]`: validate packs without the rest of the bot."""

import sys
from collections import Counter
from pathlib import Path

from bot.content.loader import load_packs
from bot.content.quality import rubric_report

result = load_packs(Path(sys.argv[1] if len(sys.argv) > 1 else "content"))
for problem in result.problems:
    print(problem)
print(rubric_report(result.questions))
kinds = Counter(q.kind.value for q in result.questions)
print(f"{len(result.questions)} questions, {len(result.problems)} problems; kinds: {dict(kinds)}")
sys.exit(1 if result.problems else 0)
