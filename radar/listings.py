"""The gazetteer as data, for people: ``radar orgs`` and ``radar alliances --known`` (no database needed)."""
from __future__ import annotations

import sys
from typing import TextIO

from extractors.gazetteer import get_gazetteer


def list_orgs(out: TextIO = sys.stdout) -> int:
    """Print the organisation gazetteer: canonical name, English name, type, parent, aliases."""
    gz = get_gazetteer()
    orgs = sorted(gz.orgs.values(), key=lambda o: (o.type, o.name))
    print(f"{len(orgs)} organisations ({', '.join(gz.sources)})", file=out)
    for o in orgs:
        parent = f"  [in {o.parent}{', counted as it' if o.rollup else ''}]" if o.parent else ""
        aliases = f"  = {', '.join(o.aliases)}" if o.aliases else ""
        print(f"  {o.type:<11} {o.name}  ({o.en}){parent}{aliases}", file=out)
    return len(orgs)


def list_alliances(out: TextIO = sys.stdout) -> int:
    """Print the named alliances as data: leader, founding date, founding/known members, aliases."""
    gz = get_gazetteer()
    for al in gz.alliances.values():
        founded = al.founded.isoformat()[:{"day": 10, "month": 7, "year": 4}.get(al.founded_precision, 10)] \
            if al.founded else "?"
        tag = "" if al.ai else "  (not AI: recognised and rejected)"
        print(f"{al.name}{tag}", file=out)
        print(f"  founded {founded}  leader {al.leader or '?'}", file=out)
        if al.founding_members:
            print(f"  founding members: {', '.join(al.founding_members)}", file=out)
        if al.members:
            print(f"  later members (known): {', '.join(al.members)}", file=out)
        if al.aliases:
            print(f"  also called: {', '.join(al.aliases)}", file=out)
    return len(gz.alliances)
