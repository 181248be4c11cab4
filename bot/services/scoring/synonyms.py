"""Words that say the same thing in an answer about ML systems.

People paraphrase: "recipients are *restricted* by the tool layer" states "recipients are
*constrained* by code" as well as the rubric's own words do. Each group below holds words a
careful interviewer would take as interchangeable when they fill the same slot of a claim;
the matcher (`keypoints.AnswerIndex.occurrences`) lets a phrase word match any word of its
groups at `SYNONYM_QUALITY`, a little less than the word itself. Opposites are never in one
group (see `keypoints.ANTONYMS`); terms with a precise technical meaning of their own (token
and word, precision and accuracy, sample and example) are left out on purpose.
"""

from __future__ import annotations

from bot.text import stem

SYNONYM_QUALITY = 0.85

_GROUPS = """
limit restrict constrain cap bound confine
approve approval confirm confirmation authorize authorise authorization sign-off
block deny forbid disallow prohibit refuse
prevent avoid stop
external outside outbound
internal in-house
fast quick rapid speedy
big large huge
small tiny
error mistake bug fault
wrong incorrect
use employ utilise utilize leverage
show display render
compute calculate
build construct create
remove delete drop strip discard eliminate
add append insert
split divide partition chunk
combine merge aggregate
choose select pick
check verify validate
measure quantify
improve enhance
need require requirement
goal objective aim
retrieve fetch
send transmit forward
answer response reply
fail failure crash
guarantee ensure
allow permit enable
start begin initialise initialize
finish terminate
predict forecast
label annotation annotate
similar alike
distinct different
many multiple several numerous
whole entire
each every
important crucial critical essential
simple straightforward
hard difficult
expensive costly
cheap inexpensive
explain interpret
hallucinate fabricate invent
grow expand
shrink compress
keep retain preserve
clip clamp
think thought
act action
observe observation
plan planning
critique criticize criticise
ignore skip
detect identify spot catch
attacker adversary
malicious hostile
private sensitive confidential
permission privilege
tool function
document doc
gpu accelerator
""".strip().splitlines()


def _table() -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    for line in _GROUPS:
        stems = frozenset(stem(w) for w in line.split())
        for s in stems:
            table[s] = table.get(s, frozenset()) | (stems - {s})
    return table


SYNONYMS: dict[str, frozenset[str]] = _table()
