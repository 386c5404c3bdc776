"""An event's own subject and body for the notifications of its tasks.

A template is plain text with placeholders in braces, `str.format` style without its
extras: `{title}`, `{event}`, `{event_name}`, `{severity}`, `{link}`, `{assignee}`,
`{group}`, `{task_id}`, `{description}`, `{show_hint}` (`tasktui task show ID`);
`{{` and `}}` are literal braces. Anything else — an unknown name, an attribute or
index (`{title.upper}`, `{title[0]}`), a conversion or format spec (`{title!r}`,
`{title:>9}`), a lone brace — is refused when the template is saved (`check_template`,
Invalid naming it), so sending never fails on a template.

Text is hostile on both sides: the template's own text is cleaned when it is saved
(escape sequences, control and bidi characters removed; a subject folded to one line),
every value substituted is cleaned the same way (one line each, the description keeps
its newlines in a body only), and the result is cleaned and capped again: a subject
is one line of at most `TITLE_MAX` characters, a body at most `BODY_MAX`.

Light on purpose (string, text_safety): messages are rendered inside `tasktui raise`
(`mail.channel_message.template_values` gives the values of a task).
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from tasktui.errors import Invalid
from tasktui.text_safety import clean_line, clean_text, strip_unsafe

#: The placeholders a template may use, in the order the help lists them.
PLACEHOLDERS = (
    "title", "event", "event_name", "severity", "link", "assignee", "group", "task_id", "description", "show_hint",
)  # fmt: skip
#: How long a rendered subject and body may be (as `mail.channel_message`), and a saved template.
TITLE_MAX = 250
BODY_MAX = 4000
SUBJECT_TEMPLATE_MAX = TITLE_MAX
BODY_TEMPLATE_MAX = BODY_MAX
SUBJECT, BODY = "subject", "body"

_FORMATTER = string.Formatter()


def one_line(value: str | None, limit: int = TITLE_MAX) -> str:
    """`value` as one line: no control or bidi characters, white space folded, at most
    `limit` characters (… when cut)."""
    text = " ".join(strip_unsafe(clean_line(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_text(value: str | None, limit: int = BODY_MAX) -> str:
    """Multi-line text: newlines kept, every other control and bidi character removed,
    at most `limit` characters."""
    lines = [strip_unsafe(line) for line in clean_text(value).replace("\t", " ").split("\n")]
    text = "\n".join(lines).strip("\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _problem(template: str) -> str | None:
    """Why `template` cannot be rendered, or None."""
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as e:  # a lone { or }
        return f"{e} (write {{{{ or }}}} for a literal brace)"
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            return f"unknown placeholder {{{name}}}: use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
        if conversion or spec:
            return f"placeholder {{{name}}} takes no conversion or format (write it as {{{name}}})"
    return None


def clean_template(template: str, which: str) -> str:
    """The template's own text cleaned: a subject one line, a body without control
    characters (newlines kept); not cut."""
    if which == SUBJECT:
        return one_line(template, len(template) + 1)
    return safe_text(template, len(template) + 1)


def check_template(template: str | None, which: str) -> str | None:
    """A template as it is stored: cleaned, or None when empty (the default text);
    Invalid naming the first problem (an unknown placeholder, a bad brace, too long)."""
    if template is None:
        return None
    cleaned = clean_template(template, which)
    if not cleaned.strip():
        return None
    limit = SUBJECT_TEMPLATE_MAX if which == SUBJECT else BODY_TEMPLATE_MAX
    if len(cleaned) > limit:
        raise Invalid(f"the {which} template must be at most {limit} characters (it has {len(cleaned)})")
    problem = _problem(cleaned)
    if problem:
        raise Invalid(f"the {which} template: {problem}")
    return cleaned


def _render(template: str, which: str, mapping: Mapping[str, str]) -> str:
    cleaned = clean_template(template, which)
    if _problem(cleaned):  # saved before the checks, or written around them: never fail a send
        return cleaned.replace("{", "(").replace("}", ")")
    return cleaned.format_map(mapping)


def render_subject(template: str, values: Mapping[str, str]) -> str:
    """The subject from `template` and the placeholder `values` (each cleaned to one
    line here too): one line, at most TITLE_MAX characters."""
    mapping = {name: one_line(values.get(name, ""), 2000) for name in PLACEHOLDERS}
    return one_line(_render(template, SUBJECT, mapping), TITLE_MAX)


def render_body(template: str, values: Mapping[str, str]) -> str:
    """The body from `template` and the placeholder `values` (the description keeps
    its newlines, the others one line each): at most BODY_MAX characters."""
    mapping = {
        name: safe_text(values.get(name, "")) if name == "description" else one_line(values.get(name, ""), 2000)
        for name in PLACEHOLDERS
    }
    return safe_text(_render(template, BODY, mapping), BODY_MAX)
