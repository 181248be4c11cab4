"""Neutral replies. Services return these; each adapter renders them its own way
(console text, Discord embeds and components, Slack blocks)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Button:
    """An action the user can take. `action` is a catalogue command plus its arguments,
    e.g. "answer:B" or "skip", so adapters route clicks without knowing what they mean."""

    label: str
    action: str
    style: str = "secondary"  # primary | secondary | danger


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    title: str | None = None
    fields: tuple[Field, ...] = ()
    # Multiple-choice options, rendered as lettered buttons (A, B, ...).
    choices: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    # Free-text answers are collected by a form (Discord modal, Slack modal) when True.
    wants_text_answer: bool = False
    private: bool = True
    footer: str | None = None
    error: bool = False
    # A file to hand over (filename, text), e.g. a CSV export.
    attachment: tuple[str, str] | None = None
    # Where an answer to this reply goes, as an action for `Prepbot.act`: a choice button
    # is `f"{answer_action}:{letter}"`; a free-text form submits its text to
    # `answer_action` itself. None when the reply asks nothing.
    answer_action: str | None = None
    # Scheduled posts only. `key` names the post (e.g. "qotd:17:question"): two sends with
    # one key are the same post, so a platform that deduplicates sends (Discord's nonce) or
    # can find what it already sent (Slack message metadata) posts it once across a crash
    # and a retry. `reply_to` is the message id this post follows up; a platform with reply
    # threads (Slack) puts it there.
    key: str | None = None
    reply_to: str | None = None
    # True when an earlier attempt to send this keyed post may have gone out (a crash or a
    # timeout after sending): look for it before sending again.
    resend: bool = False
    # Answers have closed: platforms show the reply's answer buttons disabled or not at all.
    closed: bool = False

    def plain_text(self) -> str:
        """A rendering every adapter can fall back on (and tests can read)."""
        lines: list[str] = []
        if self.title:
            lines.append(self.title)
        if self.text:
            lines.append(self.text)
        for index, choice in enumerate(self.choices):
            lines.append(f"  {chr(ord('A') + index)}) {choice}")
        for item in self.fields:
            lines.append(f"{item.name}: {item.value}")
        if self.footer:
            lines.append(self.footer)
        if self.attachment:
            lines.append(f"--- {self.attachment[0]} ---")
            lines.append(self.attachment[1].rstrip("\n"))
        return "\n".join(lines)


def error(text: str) -> Reply:
    return Reply(text=text, error=True)


LETTERS = "ABCDE"
