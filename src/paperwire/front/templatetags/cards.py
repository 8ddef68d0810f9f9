"""What a paper card shows beyond the paper's own fields."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def initials(name: str) -> str:
    """The badge an organisation gets in place of an avatar: up to two initials
    ("Google DeepMind" → "GD", "openai" → "O"). The site's CSP loads no outside images."""
    words = [w for w in str(name).replace("-", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"
