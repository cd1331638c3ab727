"""`radar orgs` and `radar alliances --known` print the gazetteer as data, with aliases and dates."""
import io

from radar.listings import list_alliances, list_orgs


def test_orgs_listing_shows_types_english_names_and_aliases():
    buf = io.StringIO()
    n = list_orgs(buf)
    text = buf.getvalue()
    assert n > 50 and text.startswith(f"{n} organisations (")
    line = next(x for x in text.splitlines() if x.split()[1:2] == ["LG유플러스"])
    assert line.split()[0] == "company" and "=" in line        # its aliases follow


def test_known_alliances_listing_shows_founding_and_members():
    buf = io.StringIO()
    n = list_alliances(buf)
    text = buf.getvalue()
    assert n >= 2
    lines = text.splitlines()
    block = []
    for line in lines[lines.index("AI 원팀") + 1:]:
        if not line.startswith("  "):
            break
        block.append(line)
    block = "\n".join(block)
    assert "founded 2020-02-20  leader KT" in block
    assert "founding members: KT, 현대중공업그룹, KAIST, 한양대, ETRI" in block
    assert "LG유플러스" in block
