"""Alert delivery edge: channels from config, Korean messages, one delivery attempt per alert.

The warehouse outbox owns the state (pending / sent / failed, attempts); this module only delivers
``PendingAlert`` records and reports one ``Delivery`` per alert, so an endpoint that is down, slow or
answering 500 leaves the alert pending for the next run and a success is never sent twice.

Channels:
* ``log``             - always present; writes the message to the run logger (ok unless logging fails)
* ``apprise:<hash>``  - one per Apprise URL (config [alerts].urls + env RADAR_ALERT_URLS); the id is
                         the first 12 hex of sha256(url) so no secret ends up in the database or logs
* ``block:<name>``    - a Prefect notification block, loaded by name ("slack-webhook/alerts" or "alerts")

Untrusted text (titles, organisation names, outlets) is neutralised for every channel:
``<`` / ``>`` become ``‹`` / ``›`` (no Slack ``<!here>`` / ``<@U..>`` / HTML), ``@here`` /
``@channel`` / ``@everyone`` / ``@name`` get a zero-width space after the ``@``; for channels that
render markdown the CommonMark specials are backslash-escaped as well.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import inspect
import logging
import re
import threading
from dataclasses import dataclass
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from extractors.models import KST
from settings import AlertSettings
from warehouse import Delivery, PendingAlert, StoryRow

DEFAULT_TIMEOUT = AlertSettings().timeout_seconds   # seconds per alert per channel ([alerts] timeout_seconds)
FAIL_FAST_AFTER = 2             # after this many failures in a row, a channel is skipped for the rest of a call

EVENT_KO = {
    "founded": "결성", "joined": "합류", "left": "탈퇴", "mou": "업무협약(MOU)", "summit": "회동·협의",
    "equity_swap": "지분 교환", "joint_research": "공동 연구", "rivalry": "경쟁 구도", "other": "기타",
}

# services whose Apprise plugin renders markdown (Apprise converts it for Slack mrkdwn / Telegram HTML /
# e-mail HTML); everything else gets plain text
MARKDOWN_SCHEMES = {
    "slack", "discord", "msteams", "tgram", "mmost", "mmosts", "rocket", "rockets", "matrix", "matrixs",
    "zulip", "gchat", "mailto", "mailtos", "ntfy", "ntfys", "guilded", "revolt", "lark", "feishu",
}
# services whose URL host is a harmless server name (for the label); for the rest the host is a token
HOST_IS_PUBLIC = {
    "json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos", "ntfy", "ntfys", "mmost",
    "mmosts", "rocket", "rockets", "matrix", "matrixs", "gotify", "gotifys", "apprise", "apprises",
}


@dataclass(frozen=True, slots=True)
class Channel:
    id: str          # stable and secret-free: what the outbox stores
    label: str       # redacted, for people
    kind: str        # log | apprise | block
    target: str      # the URL or block name (may hold secrets: never log it)

    @property
    def markdown(self) -> bool:
        if self.kind == "apprise":
            return urlsplit(self.target).scheme.lower() in MARKDOWN_SCHEMES
        return self.kind == "block"       # Slack / Teams / Discord blocks render markdown


def apprise_channel_id(url: str) -> str:
    return "apprise:" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower() or "?"
    host = parts.hostname if scheme in HOST_IS_PUBLIC else None
    if host and parts.port and scheme not in ("mailto", "mailtos"):
        host = f"{host}:{parts.port}"
    return f"{scheme}://{host}" if host else f"{scheme}://…"


def alert_channels(config) -> list[Channel]:
    """``log`` first, then one channel per Apprise URL and per Prefect block name (duplicates dropped)."""
    out = [Channel(id="log", label="run log", kind="log", target="log")]
    for url in config.alert_urls():
        out.append(Channel(id=apprise_channel_id(url), label=redact_url(url), kind="apprise", target=url))
    for name in dict.fromkeys(config.alerts.prefect_blocks):
        out.append(Channel(id=f"block:{name}", label=f"Prefect block {name}", kind="block", target=name))
    return out


# --- formatting --------------------------------------------------------------------------------------

_MENTION = re.compile(r"@(?=[\w.-])", re.UNICODE)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()~|])")   # inline specials; values never start a line


def neutralise(text: Any) -> str:
    """Plain-text safety for any channel: no HTML/Slack angle syntax, no @mentions, one line."""
    s = "" if text is None else str(text)
    s = " ".join(s.split())                                   # no newlines / control layout from titles
    s = s.replace("<", "‹").replace(">", "›")
    s = _MENTION.sub("@\u200b", s)
    return s


def escape_markdown(text: Any) -> str:
    s = neutralise(text)
    return _MD_SPECIAL.sub(r"\\\1", s)


def _safe_url(url: str | None) -> str:
    if not url:
        return ""
    return quote(str(url).strip(), safe=":/?#[]@!$&'()*+,;=%~-._")


def _as_date(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(KST)
        return value.strftime("%Y-%m-%d %H:%M KST") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    s = str(value)
    try:
        return _as_date(datetime.fromisoformat(s))
    except ValueError:
        return s


def format_alert(alert: PendingAlert | StoryRow, *, markdown: bool) -> tuple[str, str]:
    """(title, body) in Korean for one story alert."""
    esc = escape_markdown if markdown else neutralise
    title = alert.title or "(제목 없음)"
    alliance = alert.alliance or "이름 없는 협력"
    event = EVENT_KO.get(alert.event or "", alert.event or "—")
    orgs = [o for o in alert.orgs if o]
    outlets = [o for o in alert.outlets if o]
    count = alert.outlet_count or len(outlets) or (1 if alert.outlet else 0)
    when = _as_date(alert.event_date) or _as_date(alert.first_published_at) or "—"
    url = _safe_url(alert.url)

    head = f"[AI 동맹] {neutralise(title)}"
    media = f"{count}곳"
    if outlets:
        media += f" ({', '.join(outlets[:6])}{' 외' if len(outlets) > 6 else ''})"
    elif alert.outlet:
        media += f" ({alert.outlet})"
    rows = [
        ("동맹", alliance),
        ("이벤트", event),
        ("기관", ", ".join(orgs) if orgs else "—"),
        ("날짜", when),
        ("보도 매체 수", media),
        ("제목", title),
    ]
    if markdown:
        lines = [f"**{k}:** {esc(v)}" for k, v in rows]
        lines.append(f"**링크:** <{url}>" if url else "**링크:** —")
    else:
        lines = [f"{k}: {esc(v)}" for k, v in rows]
        lines.append(f"링크: {url or '—'}")
    return head, "\n".join(lines)


def format_digest(day: date, stories: list[StoryRow], *, markdown: bool) -> tuple[str, str]:
    """One message with the day's stories (KST day)."""
    esc = escape_markdown if markdown else neutralise
    title = f"[AI 동맹] {day.isoformat()} 일일 요약 ({len(stories)}건)"
    if not stories:
        return title, "오늘은 새로 확인된 AI 동맹 소식이 없습니다."
    lines = []
    for i, s in enumerate(stories, 1):
        alliance = s.alliance or "이름 없는 협력"
        event = EVENT_KO.get(s.event or "", s.event or "—")
        orgs = ", ".join(o for o in s.orgs if o) or "—"
        count = s.outlet_count or len(s.outlets) or 1
        when = _as_date(s.event_date) or _as_date(s.first_published_at) or "—"
        url = _safe_url(s.url)
        if markdown:
            lines.append(f"{i}\\. **{esc(s.title or '(제목 없음)')}**")
            lines.append(f"   {esc(alliance)} · {esc(event)} · {esc(orgs)} · {esc(when)} · 매체 {count}곳")
            if url:
                lines.append(f"   <{url}>")
        else:
            lines.append(f"{i}. {esc(s.title or '(제목 없음)')}")
            lines.append(f"   {esc(alliance)} · {esc(event)} · {esc(orgs)} · {esc(when)} · 매체 {count}곳")
            if url:
                lines.append(f"   {url}")
    return title, "\n".join(lines)


# --- delivery ----------------------------------------------------------------------------------------

def _with_timeouts(url: str, timeout: float) -> str:
    """Add Apprise's generic socket timeouts (cto / rto) unless the URL sets them."""
    query = urlsplit(url).query
    keys = {kv.split("=", 1)[0].lower() for kv in query.split("&") if kv}
    extra = []
    if "cto" not in keys:
        extra.append(f"cto={max(1.0, timeout / 3):g}")
    if "rto" not in keys:
        extra.append(f"rto={timeout:g}")
    if not extra:
        return url
    base, frag = (url.split("#", 1) + [""])[:2]
    sep = "&" if "?" in base else "?"
    return base + sep + "&".join(extra) + (("#" + frag) if frag else "")


_APPRISE_LOCK = threading.Lock()   # LogCapture hooks the process-wide apprise logger: one send at a time


# services where Apprise can put our own fields in the request: a stable message id lets the receiver drop
# a repeat (the one left after a crash between the channel's answer and the journal's fsync)
IDEMPOTENT_SCHEMES = {"json", "jsons", "form", "forms"}


def with_message_id(url: str, message_id: str | None) -> str:
    """For json:// and form:// channels: ``message_id`` in the body (Apprise's ``:field=value``) and an
    ``Idempotency-Key`` header (``+Header=value``), unless the URL sets them. Other services: unchanged
    (Slack and Teams webhooks take no message id; Slack's ``thread_ts`` only threads under an existing post)."""
    if not message_id or urlsplit(url).scheme.lower() not in IDEMPOTENT_SCHEMES:
        return url
    query = urlsplit(url).query
    keys = {kv.split("=", 1)[0].lower() for kv in query.split("&") if kv}
    extra = [f"{k}={quote(message_id)}" for k in (":message_id", "+Idempotency-Key") if k.lower() not in keys]
    if not extra:
        return url
    base, frag = (url.split("#", 1) + [""])[:2]
    sep = "&" if "?" in base else "?"
    return base + sep + "&".join(extra) + (("#" + frag) if frag else "")


def _send_apprise(url: str, title: str, body: str, markdown: bool, timeout: float,
                  message_id: str | None = None) -> tuple[bool, str]:
    import apprise

    with _APPRISE_LOCK:
        ap = apprise.Apprise()
        if not ap.add(_with_timeouts(with_message_id(url, message_id), timeout)):
            return False, "invalid Apprise URL"
        fmt = apprise.NotifyFormat.MARKDOWN if markdown else apprise.NotifyFormat.TEXT
        with apprise.LogCapture(level=logging.INFO) as captured:
            ok = bool(ap.notify(body=body, title=title, body_format=fmt))
            text = captured.getvalue()
    lines = [ln.split(" - ", 2)[-1] for ln in text.splitlines() if ln.strip()]
    problems = [ln for ln in lines if not ln.lower().startswith(("sent ", "sending"))] or lines
    # never echo the URL (it may hold tokens): apprise logs hosts only, but strip any scheme://... to be safe
    msg = re.sub(r"\b[a-z][a-z0-9+.-]*://\S+", "<url>", " | ".join(problems if not ok else lines))[:500]
    return ok, msg or ("sent" if ok else "Apprise reported failure")


async def _load_block(name: str):
    from prefect.blocks.core import Block

    if "/" in name:
        return await Block.aload(name)
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        docs = [d for d in await client.read_block_documents(include_secrets=False) if d.name == name]
    docs = [d for d in docs if d.block_type and "notify" in (d.block_schema.capabilities if d.block_schema else [])] or docs
    if not docs:
        raise LookupError(f"no Prefect block named {name!r}")
    return await Block.aload(f"{docs[0].block_type.slug}/{name}")


def _send_block(name: str, title: str, body: str) -> tuple[bool, str]:
    async def go():
        block = await _load_block(name)
        with block.raise_on_failure() if hasattr(block, "raise_on_failure") else _nullctx():
            fn = getattr(block, "anotify", None) or block.notify
            out = fn(body, title)
            if inspect.isawaitable(out):
                await out
        return True, f"sent via {type(block).__name__}"
    return asyncio.run(go())


class _nullctx:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def _bounded(fn, timeout: float, *args) -> tuple[bool, str]:
    """Run a blocking send in a daemon thread; give up waiting after ``timeout`` seconds."""
    fut: concurrent.futures.Future = concurrent.futures.Future()

    def target():
        try:
            fut.set_result(fn(*args))
        except BaseException as exc:     # report, never raise into the flow
            fut.set_exception(exc)
    threading.Thread(target=target, daemon=True, name="radar-alert-send").start()
    try:
        return fut.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        return False, f"timeout after {timeout:g}s"
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"[:500]


def deliver(alerts: list[PendingAlert], channels: list[Channel], logger=None, *,
            timeout: float = DEFAULT_TIMEOUT, on_result: Callable[[Delivery], None] | None = None) -> list[Delivery]:
    """Send each alert to its channel (``alert.channel`` = Channel.id; None -> every channel).

    Returns one ``Delivery`` per alert; never raises for a channel fault. ``on_result(delivery)`` runs as
    soon as an alert's answer is in, BEFORE the next alert is sent: the flow journals it there (append +
    fsync), so a crash later in the loop cannot make a confirmed alert look unsent. If ``on_result`` raises
    (the journal cannot be written), nothing more is sent. Each json:// / form:// request carries the
    alert id as a stable ``message_id`` (one per story and channel) for receivers that drop repeats."""
    logger = logger or logging.getLogger("radar.alerts")
    by_id = {c.id: c for c in channels}
    results = []
    streak: dict[str, int] = {}            # consecutive failures per channel in this call
    last_error: dict[str, str] = {}
    for alert in alerts:
        wanted = alert.channel
        targets = list(channels) if wanted is None else ([by_id[wanted]] if wanted in by_id else [])
        if not targets:
            results.append(Delivery(alert.alert_id, ok=False, error=f"channel {wanted!r} is not configured"))
            continue
        oks, responses, errors = [], [], []
        for ch in targets:
            title, body = format_alert(alert, markdown=ch.markdown)
            try:
                if streak.get(ch.id, 0) >= FAIL_FAST_AFTER:
                    # the endpoint is down or slow: don't spend another timeout per alert; retried next run
                    ok, msg = False, f"not sent: channel failing this run ({last_error.get(ch.id)})"
                elif ch.kind == "log":
                    logger.info("%s\n%s", title, body)
                    ok, msg = True, "logged"
                elif ch.kind == "apprise":
                    # Apprise's own socket timeouts fire first; the thread bound is the backstop
                    ok, msg = _bounded(_send_apprise, timeout * 2 + 5, ch.target, title, body, ch.markdown, timeout,
                                       alert.alert_id)
                elif ch.kind == "block":
                    ok, msg = _bounded(_send_block, timeout * 2 + 5, ch.target, title, body)
                else:
                    ok, msg = False, f"unknown channel kind {ch.kind!r}"
            except Exception as exc:
                ok, msg = False, f"{type(exc).__name__}: {exc}"[:500]
            streak[ch.id] = 0 if ok else streak.get(ch.id, 0) + 1
            if not ok and not msg.startswith("not sent:"):
                last_error[ch.id] = msg[:200]
            oks.append(ok)
            (responses if ok else errors).append(msg if len(targets) == 1 else f"{ch.label}: {msg}")
            if not ok:
                logger.warning("alert %s to %s failed: %s", alert.alert_id, ch.label, msg)
        result = Delivery(alert.alert_id, ok=all(oks), response="; ".join(responses) or None,
                          error="; ".join(errors) or None)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def send_message(channel: Channel, title: str, body: str, logger=None, *, timeout: float = DEFAULT_TIMEOUT) -> tuple[bool, str]:
    """Send one ready-made message (the digest) to one channel."""
    logger = logger or logging.getLogger("radar.alerts")
    if channel.kind == "log":
        logger.info("%s\n%s", title, body)
        return True, "logged"
    if channel.kind == "apprise":
        return _bounded(_send_apprise, timeout * 2 + 5, channel.target, title, body, channel.markdown, timeout)
    if channel.kind == "block":
        return _bounded(_send_block, timeout * 2 + 5, channel.target, title, body)
    return False, f"unknown channel kind {channel.kind!r}"
