"""A real headless Chromium for tests that look at pages as a person does.

Debian's ``chromium`` package (never a browser downloaded by Playwright), driven by Playwright for
Python, with a fresh profile folder per use and the network cut off: every request that is not
file:// is aborted and recorded, and the context is offline. ``.ci/run`` installs chromium and
fonts-noto-cjk when they are absent; where Chromium cannot be found, ``chromium_path()`` says why and
the tests skip.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> tuple[str | None, str]:
    """(executable, reason it is missing)."""
    for candidate in (os.environ.get("RADAR_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate, ""
    return None, ("Chromium is not installed here (Debian: apt-get install -y chromium fonts-noto-cjk; "
                  ".ci/run does it); set RADAR_CHROMIUM to another Chromium binary")


@dataclass
class PageVisit:
    page: object                       # playwright Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)      # non-file requests the page tried (all aborted)


@contextmanager
def open_page(url: str, profile_dir: Path, *, viewport: dict | None = None, mobile: bool = False):
    """Open ``url`` in headless Chromium with no network; yields a PageVisit once the page has loaded."""
    from playwright.sync_api import sync_playwright
    executable, reason = chromium_path()
    if executable is None:
        raise RuntimeError(reason)
    profile_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile_dir), executable_path=executable, headless=True, args=CHROMIUM_ARGS,
            viewport=viewport or LAPTOP, is_mobile=mobile, has_touch=mobile, device_scale_factor=2 if mobile else 1,
            offline=True, service_workers="block", locale="ko-KR", timezone_id="Asia/Seoul")
        try:
            visit = PageVisit(page=None)

            def route(r):
                if r.request.url.startswith(("file:", "data:", "blob:", "about:")):
                    r.continue_()
                else:
                    visit.blocked.append(r.request.url)
                    r.abort()

            context.route("**/*", route)
            page = context.pages[0] if context.pages else context.new_page()
            page.on("console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
            visit.page = page
            page.goto(url, wait_until="load")
            yield visit
        finally:
            context.close()


# Draws each character on a canvas in the page's font: tofu boxes (a missing font) look the same for
# every character, real glyphs differ. Returns the number of distinct, non-blank renderings.
DISTINCT_GLYPHS_JS = """(chars) => {
  const font = getComputedStyle(document.body).fontFamily;
  const seen = new Set();
  for (const ch of chars) {
    const c = document.createElement('canvas'); c.width = 48; c.height = 48;
    const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, 48, 48);
    g.fillStyle = '#000'; g.font = '36px ' + font; g.textBaseline = 'top'; g.fillText(ch, 4, 4);
    const px = g.getImageData(0, 0, 48, 48).data;
    let ink = 0, sig = '';
    for (let i = 0; i < px.length; i += 4) { const dark = px[i] < 128 ? 1 : 0; ink += dark; sig += dark; }
    if (ink > 0) seen.add(sig);
  }
  return seen.size;
}"""
