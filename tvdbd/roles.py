"""Account roles. Each role may do what the ones before it may: a user keeps favorites and
ratings, an editor also changes catalogue records (local edits), an admin also runs the
operator pages (API keys, users, live-source state)."""

from __future__ import annotations

ROLES = ("user", "editor", "admin")


def has_role(account_role: str, needed: str) -> bool:
    """Whether an account with `account_role` may do what `needed` may."""
    if account_role not in ROLES or needed not in ROLES:
        return False
    return ROLES.index(account_role) >= ROLES.index(needed)
