"""Who may do more than ask: admins (everything) and organisers (per event or all events)."""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_EVENTS = "*"


@dataclass(frozen=True)
class Roles:
    """Roles by person key ("platform:user id"), as named in the config's `roles` section."""

    admins: frozenset[str] = frozenset()
    organisers: dict[str, frozenset[str]] = field(default_factory=dict)  # event id or "*" -> people
    organiser_chats: dict[str, str] = field(default_factory=dict)  # event id or "*" -> "platform:chat id"

    @classmethod
    def from_lists(cls, admins: list[str], organisers: dict[str, list[str]],
                   organiser_chats: dict[str, str] | None = None) -> "Roles":
        """Build from the config's plain lists."""
        return cls(frozenset(admins), {event: frozenset(people) for event, people in organisers.items()},
                   dict(organiser_chats or {}))

    def is_admin(self, user_key: str) -> bool:
        """May do everything."""
        return user_key in self.admins

    def organises(self, user_key: str, event_id: str) -> bool:
        """May manage this event (admins manage every event)."""
        return (self.is_admin(user_key) or user_key in self.organisers.get(ALL_EVENTS, frozenset())
                or user_key in self.organisers.get(event_id, frozenset()))

    def organises_any(self, user_key: str) -> bool:
        """Organises at least one event."""
        return self.is_admin(user_key) or any(user_key in people for people in self.organisers.values())
