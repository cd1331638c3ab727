"""The report page: a Model in, one self-contained HTML string out (pure: no I/O but reading the
package's own CSS/JS and plotly.js).

Charts are Plotly figures (plotly.js inlined once, no CDN), laid out around plain HTML tables so
that every alliance and organisation is also readable as text. Every text that comes from an
article (titles, outlets, organisation and alliance names, feed errors) is untrusted: it is
HTML-escaped into the page, escaped again for Plotly's own pseudo-HTML labels, and the JSON the
page script reads is embedded with ``<``, ``>`` and ``&`` as unicode escapes. A Content-Security-
Policy forbids every network request, so the page cannot call out even if someone finds a hole.
"""
from __future__ import annotations

import html
import json
import math
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from flows.alerts import EVENT_KO

from .model import UNNAMED_TIE, Model, StoryRef, kst, type_label

HERE = Path(__file__).resolve().parent
FONT_STACK = ('"Noto Sans CJK KR", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", "Nanum Gothic", '
              '"Noto Sans CJK JP", sans-serif')
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
       "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")
PLOTLY_CONFIG = {"responsive": True, "displaylogo": False, "scrollZoom": False,
                 "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
                 "toImageButtonOptions": {"filename": "alliance-radar"}}

EVENT_ORDER = ("founded", "joined", "mou", "summit", "equity_swap", "joint_research", "rivalry", "left", "other")
EVENT_STYLE = {   # marker symbol, colour
    "founded": ("star", "#d62728"), "joined": ("circle", "#1f77b4"), "left": ("x", "#7f7f7f"),
    "mou": ("diamond", "#2ca02c"), "summit": ("square", "#9467bd"), "equity_swap": ("triangle-up", "#ff7f0e"),
    "joint_research": ("pentagon", "#17becf"), "rivalry": ("bowtie", "#8c564b"), "other": ("circle-open", "#555"),
}
TYPE_COLOURS = {"company": "#2f6fde", "university": "#2a9d4b", "institute": "#8e44ad", "government": "#d9822b",
                "association": "#8c564b", "foreign": "#17a2b8", None: "#8a94a6"}
TYPE_ORDER = ("company", "university", "institute", "government", "association", "foreign", None)
ALLIANCE_COLOURS = ("#e4572e", "#2e86ab", "#6a4c93", "#3bb273", "#f3a712", "#c0392b", "#1b998b", "#a23b72",
                    "#5c6f7e", "#d4a017")
TIE_COLOUR = "#8a94a6"
HALO = "0 0 3px #fff, 0 0 2px #fff"     # a white glow keeps labels readable over lines
MAX_HOVER_STORIES = 6


# --- small text helpers -----------------------------------------------------------------------------

def esc(text) -> str:
    """Text for the HTML page."""
    return html.escape("" if text is None else str(text), quote=True)


def chart_text(text) -> str:
    """Text for a Plotly label: Plotly reads <b>, <br>, <a href> ... in labels, so escape first."""
    return html.escape("" if text is None else str(text), quote=False)


def wrap(text: str, width: int = 12) -> str:
    """Escaped text broken at spaces into lines of about ``width`` characters (narrow screens)."""
    lines, line = [], ""
    for word in str(text).split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "<br>".join(chart_text(x) for x in lines if x)


def clip(text: str, n: int = 48) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[:n - 1] + "…"


def event_label(event: str | None) -> str:
    return EVENT_KO.get(event or "", event or "")


def fmt_dt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def fmt_date(value: date | None) -> str:
    return value.isoformat() if value else "—"


def link(url: str | None, text: str) -> str:
    if not url:
        return esc(text)
    return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(text)}</a>'


def script_json(value) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@lru_cache(maxsize=1)
def _asset(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs
    return get_plotlyjs()


# --- charts ---------------------------------------------------------------------------------------------

def _alliance_colours(model: Model) -> dict[str, str]:
    return {a: ALLIANCE_COLOURS[i % len(ALLIANCE_COLOURS)] for i, a in enumerate(model.alliances)}


def _story_hover(story: StoryRef) -> str:
    outlets = f"{story.outlet_count}개 매체" if story.outlet_count else ""
    return f"{chart_text(clip(story.title, 60))}<br>{chart_text(outlets)}"


def timeline_figure(model: Model):
    from plotly.subplots import make_subplots
    import plotly.graph_objects as go

    rows = list(model.alliances) + ([UNNAMED_TIE] if any(p.alliance is None for p in model.points) else [])
    colours = _alliance_colours(model)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        row_heights=[0.66, 0.34], subplot_titles=("사건 (점을 누르면 기사)", "회원 수"))
    for event in EVENT_ORDER:
        pts = [p for p in model.points if p.event == event]
        if not pts:
            continue
        symbol, colour = EVENT_STYLE.get(event, EVENT_STYLE["other"])
        fig.add_trace(go.Scatter(
            x=[p.date.isoformat() for p in pts], y=[wrap(p.row) for p in pts], mode="markers",
            name=chart_text(event_label(event)), legendgroup="events", legendgrouptitle_text="사건",
            marker=dict(symbol=symbol, size=14, color=colour, line=dict(width=1, color="#ffffff")),
            hoverinfo="text", customdata=[[p.story.url or ""] for p in pts],
            hovertext=[f"<b>{chart_text(p.row)}</b> · {chart_text(event_label(p.event))} · {p.date.isoformat()}<br>"
                       f"{chart_text(clip(', '.join(p.orgs), 60))}<br>{_story_hover(p.story)}" for p in pts],
        ), row=1, col=1)
    for alliance, series in model.membership.items():
        fig.add_trace(go.Scatter(
            x=[d.isoformat() for d, _ in series], y=[n for _, n in series], mode="lines+markers",
            line=dict(shape="hv", width=2, color=colours.get(alliance, TIE_COLOUR)),
            # a marker where the count changes; none at the line's end "today" (same count as before)
            marker=dict(size=[0 if i and n == series[i - 1][1] else 7 for i, (_, n) in enumerate(series)]),
            name=chart_text(alliance), legendgroup="members", legendgrouptitle_text="회원 수",
            hoverinfo="text", hovertext=[f"{chart_text(alliance)}<br>{d.isoformat()}: {n}개 기관" for d, n in series],
        ), row=2, col=1)
    top = max((n for s in model.membership.values() for _, n in s), default=1)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=[wrap(r) for r in reversed(rows)],
                     automargin=True, row=1, col=1)
    fig.update_yaxes(title_text="기관 수", rangemode="tozero", range=[0, top + 1], dtick=max(1, math.ceil(top / 5)),
                     automargin=True, row=2, col=1)
    fig.update_xaxes(type="date", automargin=True, tickformat="%Y-%m-%d")
    height = 260 + 46 * max(1, len(rows)) + 200
    fig.update_layout(
        template="plotly_white", height=height, font=dict(family=FONT_STACK, size=13),
        margin=dict(l=8, r=8, t=40, b=8), hovermode="closest", hoverlabel=dict(font=dict(family=FONT_STACK)),
        legend=dict(orientation="h", yanchor="top", y=-0.08, x=0, groupclick="toggleitem"),
    )
    return fig, height


def network_layout(model: Model) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Node positions, and the width and height they span: each connected component laid out on its
    own (Kamada-Kawai, deterministic; a seeded spring layout for big ones), scaled by the square root
    of its size, and the components packed in rows, largest first."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(model.orgs)
    for e in model.edges:
        graph.add_edge(e.a, e.b)
    boxes = []
    for comp in sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0])):
        n = len(comp)
        if n == 1:
            local = {comp[0]: (0.0, 0.0)}
        elif n == 2:
            local = {comp[0]: (0.0, 0.0), comp[1]: (1.0, 0.0)}
        elif n <= 80:
            local = nx.kamada_kawai_layout(graph.subgraph(comp))
        else:
            local = nx.spring_layout(graph.subgraph(comp), seed=7, iterations=200)
        xs = [float(p[0]) for p in local.values()]
        ys = [float(p[1]) for p in local.values()]
        span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
        scale = (1.1 * math.sqrt(n) / span) if n > 1 else 0.0
        placed = {k: ((float(p[0]) - min(xs)) * scale, (float(p[1]) - min(ys)) * scale) for k, p in local.items()}
        boxes.append((placed, (max(xs) - min(xs)) * scale, (max(ys) - min(ys)) * scale))
    gap = 1.2
    row_width = max([w for _, w, _ in boxes] + [math.sqrt(sum((w + gap) * (h + gap) for _, w, h in boxes) * 2.2)])
    positions: dict[str, tuple[float, float]] = {}
    x = y = row_height = width = 0.0
    for placed, w, h in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        for name, (px_, py_) in placed.items():
            positions[name] = (x + px_, -(y + py_))
        width = max(width, x + w)
        x += w + gap
        row_height = max(row_height, h)
    return positions, width, y + row_height


def edge_label(edge) -> str:
    parts = []
    if edge.alliances:
        parts.append(f"{', '.join(edge.alliances)} 공동 회원")
    if edge.ties:
        parts.append("양자 제휴: " + ", ".join(event_label(t) for t in edge.ties))
    return " · ".join(parts)


def network_figure(model: Model, layout: tuple[dict[str, tuple[float, float]], float, float]):
    import plotly.graph_objects as go

    positions, span_x, span_y = layout
    colours = _alliance_colours(model)
    fig = go.Figure()
    # edges: one line trace per alliance (its colour, its legend entry), one for pairwise ties
    for alliance in model.alliances:
        xs, ys = [], []
        for e in model.edges:
            if alliance in e.alliances:
                (xa, ya), (xb, yb) = positions[e.a], positions[e.b]
                xs += [xa, xb, None]
                ys += [ya, yb, None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", name=chart_text(alliance),
                                     line=dict(width=2.5, color=colours[alliance]), legendgroup="edges",
                                     legendgrouptitle_text="동맹 (선)"))
    xs, ys = [], []
    for e in model.edges:
        if e.ties and not e.alliances:
            (xa, ya), (xb, yb) = positions[e.a], positions[e.b]
            xs += [xa, xb, None]
            ys += [ya, yb, None]
    if xs:
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", name="양자 제휴",
                                 line=dict(width=2, color=TIE_COLOUR, dash="dot"), legendgroup="edges",
                                 legendgrouptitle_text="동맹 (선)"))
    # the edges' hover and click targets (and labels of pairwise ties) sit at their midpoints
    if model.edges:
        mx, my, texts, hovers, custom, colour = [], [], [], [], [], []
        for i, e in enumerate(model.edges):
            (xa, ya), (xb, yb) = positions[e.a], positions[e.b]
            mx.append((xa + xb) / 2)
            my.append((ya + yb) / 2)
            texts.append("" if e.alliances else wrap(", ".join(event_label(t) for t in e.ties), 10))
            titles = "<br>".join(f"· {s.date.isoformat() if s.date else ''} {chart_text(clip(s.title, 44))}"
                                 for s in e.stories[:MAX_HOVER_STORIES])
            more = f"<br>… 외 {len(e.stories) - MAX_HOVER_STORIES}건" if len(e.stories) > MAX_HOVER_STORIES else ""
            hovers.append(f"<b>{chart_text(e.a)} — {chart_text(e.b)}</b><br>{chart_text(edge_label(e))}<br>"
                          f"기사 {len(e.stories)}건<br>{titles}{more}<br><i>눌러서 기사 목록 보기</i>")
            custom.append(["edge", i])
            colour.append(colours[e.alliances[0]] if e.alliances else TIE_COLOUR)
        fig.add_trace(go.Scatter(x=mx, y=my, mode="markers+text", text=texts, textposition="bottom center",
                                 textfont=dict(size=11, color="#4a5263", shadow=HALO), hoverinfo="text", hovertext=hovers,
                                 customdata=custom, name="연결 (눌러서 기사 보기)", showlegend=False,
                                 marker=dict(symbol="diamond", size=9, color=colour, line=dict(width=1, color="#fff"))))
    # alliance names at the middle of their members
    lx, ly, lt, lc = [], [], [], []
    for alliance in model.alliances:
        pts = [positions[m.org] for m in model.members.get(alliance, []) if m.org in positions]
        if len(pts) >= 2:
            lx.append(sum(p[0] for p in pts) / len(pts))
            ly.append(sum(p[1] for p in pts) / len(pts))
            lt.append(f"<b>{wrap(alliance, 10)}</b>")
            lc.append(colours[alliance])
    if lx:
        fig.add_trace(go.Scatter(x=lx, y=ly, mode="text", text=lt, textfont=dict(size=12, color=lc, shadow=HALO),
                                 hoverinfo="skip", showlegend=False, name="동맹 이름"))
    # organisations: one trace per type (colour and legend entry), size by number of stories
    names = list(model.orgs)
    index = {n: i for i, n in enumerate(names)}
    for org_type in TYPE_ORDER:
        group = [o for o in model.orgs.values() if (o.org_type if o.org_type in TYPE_COLOURS else None) == org_type]
        if not group:
            continue
        fig.add_trace(go.Scatter(
            x=[positions[o.name][0] for o in group], y=[positions[o.name][1] for o in group], mode="markers+text",
            text=[chart_text(o.name) for o in group], textposition="top center", textfont=dict(size=12, shadow=HALO),
            marker=dict(size=[14 + 8 * math.sqrt(len(o.stories)) for o in group], color=TYPE_COLOURS[org_type],
                        line=dict(width=1.5, color="#ffffff"), opacity=0.95),
            name=chart_text(type_label(org_type)), legendgroup="orgs", legendgrouptitle_text="기관 유형 (점)",
            hoverinfo="text", customdata=[["org", index[o.name]] for o in group],
            hovertext=[f"<b>{chart_text(o.name)}</b> · {chart_text(type_label(o.org_type))}<br>"
                       f"동맹 기사 {len(o.stories)}건<br>{chart_text(clip(', '.join(sorted(o.alliances)), 60))}"
                       for o in group]))
    # as wide as the page, as tall as the layout's proportions ask (within reason)
    height = int(min(760, max(380, 1100 * (span_y + 1.4) / (span_x + 1.6))))
    fig.update_xaxes(visible=False, range=[-0.8, span_x + 0.8])
    fig.update_yaxes(visible=False, range=[-span_y - 0.6, 0.8])
    fig.update_layout(template="plotly_white", height=height, font=dict(family=FONT_STACK, size=13),
                      margin=dict(l=4, r=4, t=10, b=4), hovermode="closest", dragmode="pan",
                      hoverlabel=dict(font=dict(family=FONT_STACK), align="left"),
                      legend=dict(orientation="h", yanchor="top", y=-0.02, x=0, groupclick="toggleitem"))
    return fig, height


def _figure_div(fig, div_id: str, height: int, hook: str) -> str:
    import plotly.io as pio
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG,
                       default_height=f"{height}px", default_width="100%", validate=True,
                       post_script=f"window.radarReport.{hook}('{{plot_id}}');")


# --- the page -------------------------------------------------------------------------------------------

def _story_json(s: StoryRef) -> dict:
    return {"title": s.title, "url": s.url, "date": s.date.isoformat() if s.date else "",
            "event": " ".join(x for x in (s.alliance or "", event_label(s.event)) if x),
            "outlets": s.outlets, "orgs": s.orgs}


def page_data(model: Model) -> dict:
    stories: dict[str, dict] = {s.story_id: _story_json(s) for s in model.stories}
    for e in model.edges:
        for s in e.stories:
            stories.setdefault(s.story_id, _story_json(s))
    orgs = []
    for o in model.orgs.values():
        detail = f"{type_label(o.org_type)} · 동맹 기사 {len(o.stories)}건"
        if o.alliances:
            detail += " · " + ", ".join(sorted(o.alliances))
        ordered = sorted(o.stories, key=lambda sid: stories.get(sid, {}).get("date", ""), reverse=True)
        orgs.append({"name": o.name, "detail": detail, "stories": [s for s in ordered if s in stories]})
    edges = [{"a": e.a, "b": e.b, "label": edge_label(e), "stories": [s.story_id for s in e.stories]}
             for e in model.edges]
    return {"stories": stories, "edges": edges, "orgs": orgs}


def _members_section(model: Model) -> str:
    if not model.members:
        return ('<section id="members"><h2>동맹별 회원 <span class="muted">Members</span></h2>'
                '<p class="muted">아직 뉴스로 확인된 동맹 회원이 없습니다.</p></section>')
    rows_all = [m for ms in model.members.values() for m in ms]
    has_basis = any(m.basis for m in rows_all)
    has_reported = any(m.first_reported_on for m in rows_all)
    has_left = any(m.left_on for m in rows_all)
    earliest = min((m.joined_on for m in rows_all if m.joined_on), default=model.generated_at.date())
    parts = ['<section id="members"><h2>동맹별 회원 <span class="muted">Members as of a date</span></h2>',
             '<div class="as-of"><label for="as-of">기준일</label>'
             f'<input type="date" id="as-of" value="{model.generated_at.date().isoformat()}" '
             f'min="{earliest.isoformat()}">'
             '<span class="hint">이 날짜에 회원이 아니던 기관은 흐리게 표시됩니다. 합류일은 그 사실을 보여 주는 '
             '가장 이른 기사 기준이며, 근거 기사를 눌러 확인할 수 있습니다.</span></div>']
    for n, (alliance, members) in enumerate(model.members.items()):
        count_id = f"member-count-{n}"
        head = ["기관", "유형", "합류일"] + (["근거"] if has_basis else []) + (["첫 보도"] if has_reported else []) \
            + (["탈퇴일"] if has_left else []) + ["근거 기사"]
        parts.append(f'<h3>{esc(alliance)} <span class="badge" id="{count_id}">{len(members)}개 기관</span></h3>')
        parts.append(f'<div class="table-wrap"><table class="members" data-count="{count_id}"><thead><tr>'
                     + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>")
        for m in members:
            evidence = "—"
            if m.evidence_title or m.evidence_url:
                meta = " · ".join(x for x in (m.evidence_outlet or "", fmt_dt(m.evidence_published)
                                              if m.evidence_published else "") if x)
                evidence = link(m.evidence_url, m.evidence_title or m.evidence_url) + \
                    (f' <span class="muted">({esc(meta)})</span>' if meta else "")
            cells = [f'<td class="org">{esc(m.org)}</td>', f'<td class="org">{esc(type_label(m.org_type))}</td>',
                     f'<td class="date">{fmt_date(m.joined_on)}</td>']
            if has_basis:
                cells.append(f"<td>{esc(m.basis or '')}</td>")
            if has_reported:
                cells.append(f'<td class="date">{fmt_date(m.first_reported_on)}</td>')
            if has_left:
                cells.append(f'<td class="date">{fmt_date(m.left_on) if m.left_on else ""}</td>')
            cells.append(f"<td>{evidence}</td>")
            parts.append(f'<tr data-joined="{fmt_date(m.joined_on) if m.joined_on else ""}" '
                         f'data-left="{m.left_on.isoformat() if m.left_on else ""}">{"".join(cells)}</tr>')
        parts.append("</tbody></table></div>")
    parts.append("</section>")
    return "".join(parts)


def _new_section(model: Model) -> str:
    since = model.since.strftime("%Y-%m-%d %H:%M")
    head = (f'<section id="new"><h2>이번 기간 새 소식 <span class="muted">New this period</span></h2>'
            f'<p class="hint">{esc(since)} 이후 레이더가 처음 확인한 동맹 스토리 {len(model.new_stories)}건 '
            f'(한 사건을 여러 매체가 보도해도 한 건)</p>')
    if not model.new_stories:
        return head + '<p class="muted">이 기간에 새로 확인된 동맹 스토리가 없습니다.</p></section>'
    rows = []
    for s in model.new_stories:
        event = " ".join(x for x in (s.alliance or "", event_label(s.event)) if x) or "—"
        outlets = ", ".join(s.outlets)
        rows.append(f'<tr><td class="date">{fmt_dt(s.first_seen)}</td><td>{link(s.url, s.title)}</td>'
                    f"<td>{esc(event)}</td><td>{esc(', '.join(s.orgs))}</td>"
                    f'<td class="num" title="{esc(outlets)}">{s.outlet_count}</td>'
                    f'<td class="date">{fmt_date(s.first_published.date() if s.first_published else None)}</td></tr>')
    return (head + '<div class="table-wrap"><table class="new-stories"><thead><tr><th>처음 확인</th><th>제목</th>'
            '<th>사건</th><th>기관</th><th class="num">매체 수</th><th>첫 보도</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div></section>")


def _sources_section(model: Model) -> str:
    head = ('<section id="sources"><h2>소스 상태 <span class="muted">Source health</span></h2>'
            '<p class="hint">피드별 마지막 성공·오류와 최근 7일 하루 평균 기사 수</p>')
    if not model.sources:
        return head + '<p class="muted">아직 확인한 피드가 없습니다.</p></section>'
    rows = []
    for s in model.sources:
        failures = int(s.get("consecutive_failures") or 0)
        if failures:
            status = f'<span class="badge warn">연속 오류 {failures}회</span>'
        elif s.get("last_success_at"):
            status = '<span class="badge ok">정상</span>'
        else:
            status = '<span class="badge">미확인</span>'
        error = ""
        if s.get("last_error_at"):
            error = (f'{fmt_dt(kst(s.get("last_error_at")))}'
                     f'<br><span class="error-text">{esc(clip(s.get("last_error") or "", 120))}</span>')
        retry = kst(s.get("next_attempt_at"))
        if failures and retry:
            error += f'<br><span class="muted">다음 시도 {fmt_dt(retry)}</span>'
        rows.append(
            f'<tr><td>{esc(s.get("outlet") or "")}<br><span class="muted">{esc(clip(s.get("feed_url") or "", 70))}'
            f'</span></td><td>{esc(s.get("kind") or "")}</td><td>{status}</td>'
            f'<td class="date">{fmt_dt(kst(s.get("last_success_at")))}</td><td>{error or "—"}</td>'
            f'<td class="num">{_num(s.get("items_per_day"))}</td><td class="num">{_num(s.get("alliance_per_day"))}</td>'
            f'<td class="date">{fmt_dt(kst(s.get("last_item_at")))}</td>'
            f'<td class="num">{_num(s.get("polls_7d"))} / {_num(s.get("errors_7d"))}</td></tr>')
    return (head + '<div class="table-wrap"><table class="sources"><thead><tr><th>피드</th><th>종류</th><th>상태</th>'
            '<th>마지막 성공</th><th>마지막 오류</th><th class="num">기사/일</th><th class="num">동맹 기사/일</th>'
            '<th>마지막 기사</th><th class="num">7일 확인/오류</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div></section>")


def _num(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return esc(value)


def _org_table(model: Model) -> str:
    rows = "".join(
        f'<tr><td>{esc(o.name)}</td><td><span class="swatch" style="background:'
        f'{TYPE_COLOURS.get(o.org_type if o.org_type in TYPE_COLOURS else None)}"></span>{esc(type_label(o.org_type))}'
        f'</td><td class="num">{len(o.stories)}</td><td>{esc(", ".join(sorted(o.alliances)))}</td></tr>'
        for o in sorted(model.orgs.values(), key=lambda o: (-len(o.stories), o.name)))
    return ('<details><summary>기관 목록 (표로 보기)</summary><div class="table-wrap"><table class="orgs"><thead><tr>'
            '<th>기관</th><th>유형</th><th class="num">동맹 기사</th><th>동맹</th></tr></thead><tbody>'
            f"{rows}</tbody></table></div></details>")


def render_report(model: Model) -> str:
    """The whole page as one HTML string."""
    generated = model.generated_at.strftime("%Y-%m-%d %H:%M")
    title = f"AI 동맹 레이더 보고서 — {model.generated_at.date().isoformat()}"
    stats = (f'<ul class="stats"><li><b>{len(model.alliances)}</b>동맹</li><li><b>{len(model.orgs)}</b>기관</li>'
             f'<li><b>{len(model.stories)}</b>스토리</li><li><b>{len(model.new_stories)}</b>이번 기간 새 스토리</li></ul>')
    head = [
        "<!DOCTYPE html>", '<html lang="ko"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="generator" content="alliance-radar">',
        f"<title>{esc(title)}</title>", f"<style>{_asset('report.css')}</style>",
    ]
    body = ['<body><header><h1>AI 동맹 레이더</h1>',
            f'<p class="lede">한국 AI 동맹 뉴스 보고서 · 생성 {esc(generated)} (KST) · 뉴스에서 자동 추출한 결과이므로 '
            '근거 기사로 확인하세요.</p>']
    if model.is_empty:
        body += [stats, "</header><main>",
                 '<section id="nothing-yet"><p class="empty"><b>아직 보여 줄 AI 동맹 소식이 없습니다.</b><br>'
                 'Nothing yet: the warehouse holds no alliance stories.</p>'
                 '<p class="muted" style="text-align:center">`radar run`으로 피드를 수집하거나 `radar demo`로 '
                 '예시 데이터를 만든 뒤 `radar report`를 다시 실행하세요.</p></section>',
                 _sources_section(model), "</main>"]
    else:
        head += [f"<script>{_plotly_js()}</script>", f"<script>{_asset('report.js')}</script>"]
        timeline, t_height = timeline_figure(model)
        network, n_height = network_figure(model, network_layout(model))
        body += [stats, '<nav class="toc"><a href="#timeline">타임라인</a><a href="#network">기관 네트워크</a>'
                 '<a href="#members">동맹별 회원</a><a href="#new">새 소식</a><a href="#sources">소스 상태</a></nav>',
                 "</header><main>",
                 '<noscript><section><p>차트를 보려면 자바스크립트가 필요합니다. 아래 표는 그대로 읽을 수 있습니다.'
                 '</p></section></noscript>',
                 '<section id="timeline"><h2>동맹 타임라인 <span class="muted">Alliance timeline</span></h2>'
                 '<p class="hint">동맹별 사건(결성·합류·탈퇴·업무협약 …)과 회원 수의 변화. 점에 올리면 내용이, '
                 '누르면 기사가 열립니다.</p>',
                 f'<div class="chart">{_figure_div(timeline, "timeline-chart", t_height, "timeline")}</div></section>',
                 '<section id="network"><h2>기관 네트워크 <span class="muted">Organisation network</span></h2>'
                 '<p class="hint">점 크기는 동맹 기사 수, 색은 기관 유형. 선은 같은 동맹의 회원(동맹 색) 또는 '
                 '양자 제휴(점선). 선 가운데 ◆나 기관을 누르면 근거 기사가 아래에 나옵니다.</p>',
                 f'<div class="chart">{_figure_div(network, "network-chart", n_height, "network")}</div>',
                 '<div id="edge-stories" aria-live="polite"><p class="muted">선 가운데 ◆ 또는 기관 점을 누르면 '
                 '그 관계를 보여 주는 기사가 여기에 나옵니다.</p></div>',
                 _org_table(model), "</section>",
                 _members_section(model), _new_section(model), _sources_section(model), "</main>",
                 f'<script type="application/json" id="report-data">{script_json(page_data(model))}</script>']
    body.append(f'<footer>alliance-radar · {esc(generated)} KST 생성 · 이 파일은 인터넷 연결 없이 열립니다 '
                '(차트 라이브러리 Plotly 포함).</footer></body></html>')
    return "\n".join(head) + "\n</head>\n" + "\n".join(body) + "\n"
