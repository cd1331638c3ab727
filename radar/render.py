"""Plain text the CLI prints for people (tables of data belong to the warehouse's views)."""
from __future__ import annotations

from warehouse import AllianceTimeline


def format_alliance_timeline(timeline: list[AllianceTimeline]) -> str:
    """Text for `radar alliances`: each alliance with its members in joining order."""
    if not timeline:
        return "No alliances in the database yet."
    lines = []
    for a in timeline:
        lines.append(f"{a.alliance}  (since {a.first_seen}, {len(a.members)} members)")
        for m in a.members:
            src = f"  [{m.outlet}] {m.title}" if m.title else ""
            lines.append(f"  {m.joined_on}  {m.org}{src}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
