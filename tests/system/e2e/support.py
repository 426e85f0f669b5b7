"""What the browser tests share: where Chromium and axe-core are, the page watcher, the
auditor (screenshot + axe), and keyboard and login helpers."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
# As the machine notes start it: headless, no sandbox (root in a container), and nothing
# that reaches out to Google's services (the network is closed; those calls only fail).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = {"serious", "critical"}


def require_tool(present: bool, message: str) -> None:
    """A missing browser or axe-core fails the run in CI and skips the test elsewhere."""
    if present:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}: CI must provide it (.ci/run installs it).", pytrace=False)
    pytest.skip(message)


class PageWatcher:
    """Collects what must never happen on a page: uncaught script errors, console errors,
    and static files (CSS, JS, images, fonts, the icon) that fail to load.

    Error statuses of pages and API calls are the app's answers, which the tests assert
    themselves: the browser's "Failed to load resource" line for them is not a problem.
    """

    STATIC = {"stylesheet", "script", "image", "font", "media", "other"}

    def __init__(self, page):
        self.problems: list[str] = []
        self._answered: set[str] = set()  # pages and API calls that got an error status
        page.on("pageerror", lambda error: self.problems.append(f"uncaught script error on {page.url}: {error}"))
        page.on("response", self._on_response)
        page.on("console", self._on_console)
        page.on("requestfailed", self._on_request_failed)

    def _on_response(self, response) -> None:
        if response.status < 400:
            return
        if response.request.resource_type in self.STATIC:
            self.problems.append(f"{response.status} for the {response.request.resource_type} {response.url}")
        else:
            self._answered.add(response.url)

    def _on_request_failed(self, request) -> None:
        # ERR_ABORTED: the browser cancelled the load because the page moved on (a click
        # that navigates while an icon still loads), not a file that failed; a missing
        # file is an error status, caught above.
        if request.resource_type in self.STATIC and request.failure != "net::ERR_ABORTED":
            self.problems.append(f"{request.resource_type} {request.url} failed: {request.failure}")

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and url in self._answered:
            return
        self.problems.append(f"console error on {url}: {message.text}")


@dataclass
class Auditor:
    """Screenshots a page and runs axe-core in it; serious or critical violations fail."""

    page: object
    folder: Path
    count: int = 0
    notes: list[str] = field(default_factory=list)

    def __call__(self, name: str, *, page=None) -> list[dict]:
        page = page or self.page
        self.count += 1
        stem = self.folder / f"{self.count:02d}-{name}"
        page.screenshot(path=f"{stem}.png", full_page=True)
        page.add_script_tag(path=str(AXE_JS))
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document, { resultTypes: ["violations"] });
                return result.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary })),
                }));
            }"""
        )
        Path(f"{stem}.axe.json").write_text(json.dumps({"url": page.url, "violations": violations}, indent=2))
        for v in violations:
            self.notes.append(f"{name}: {v['impact']} {v['id']} ({len(v['nodes'])} nodes)")
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"axe found serious or critical violations on {name} ({page.url}):\n" + "\n".join(
            f"- {v['impact']} {v['id']}: {v['help']} ({v['helpUrl']})\n"
            + "\n".join(f"    {n['target']}: {n['summary']}" for n in v["nodes"][:5])
            for v in blocking
        )
        return violations


# --- people --------------------------------------------------------------------------------


def log_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").locator(".user-menu > summary").wait_for()  # signed in


def log_out(page) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.locator(".user-menu > summary").click()  # the account menu, under the avatar
    nav.get_by_role("button", name="Log out").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").wait_for()


# --- keyboard ------------------------------------------------------------------------------

_FOCUS_STATE = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    let background = "rgb(255, 255, 255)";
    for (let node = el.parentElement; node; node = node.parentElement) {
        const colour = getComputedStyle(node).backgroundColor;
        if (colour && colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") { background = colour; break; }
    }
    return {
        description: `${el.tagName.toLowerCase()} ${(el.getAttribute("aria-label") || el.innerText || el.value || el.name || "").trim().slice(0, 40)}`,
        outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
        outlineColor: style.outlineColor, background,
        inViewport: rect.width > 0 && rect.height > 0 && rect.left >= 0 && rect.top >= 0 && rect.right <= innerWidth,
    };
}"""


def _rgb(colour: str) -> tuple[float, float, float]:
    r, g, b = (int(x) for x in re.findall(r"\d+", colour)[:3])
    return r, g, b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS rgb() colours."""

    def luminance(colour: str) -> float:
        channels = [c / 255 for c in _rgb(colour)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def assert_visible_focus(page) -> str:
    """The focused element shows a focus ring (WCAG 2.4.7) that contrasts 3:1 with what
    is around it (1.4.11), and is on screen. Returns a description of the element."""
    state = page.evaluate(_FOCUS_STATE)
    what = state["description"]
    assert state["outlineStyle"] not in ("none", "hidden") and state["outlineWidth"] >= 2, f"no focus ring on {what}"
    ratio = contrast_ratio(state["outlineColor"], state["background"])
    assert ratio >= 3, f"focus ring of {what} contrasts {ratio:.2f}:1 with its background"
    assert state["inViewport"], f"focused {what} is off screen"
    return what


def tab_to(page, target, *, limit: int = 40) -> list[str]:
    """Press Tab until `target` (a locator) has the focus, checking that every element on
    the way shows its focus. Returns what was focused on the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(assert_visible_focus(page))
        if target.evaluate("el => el === document.activeElement"):
            return seen
    raise AssertionError(f"{target} never got the focus after {limit} Tab presses; focus went through: {seen}")
