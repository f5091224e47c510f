"""Accessibility checks for the browser tests: axe-core (vendored, test-only) injected by Playwright.

KWCAG 2.2 (한국형 웹 콘텐츠 접근성 지침 2.2), which Korean public web services must meet, maps onto
WCAG 2.1 AA, so axe runs the WCAG 2.0/2.1 A and AA rules; a serious or critical violation fails.
"""

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}

_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        targets: v.nodes.map(n => n.target.join(' ')),
        summaries: v.nodes.map(n => n.failureSummary || ''),
    }));
}"""


def violations(page) -> list[dict]:
    """Every WCAG 2.x A/AA violation axe finds on the page as it is now (any impact)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script>: the pages' own
        # Content-Security-Policy (script-src 'self') would refuse an injected inline script.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate(_RUN, WCAG_TAGS)


def check_accessibility(page, context: str = "") -> None:
    """Fail with every serious or critical violation on the current page: rule, impact, help,
    the elements (CSS selectors) and the page's URL; `context` says which step of a journey it was."""
    found = [v for v in violations(page) if v["impact"] in FAILING_IMPACTS]
    if not found:
        return
    lines = [f"{len(found)} serious/critical accessibility violation(s) on {page.url}"]
    if context:
        lines[0] += f" ({context})"
    for v in found:
        lines.append(f"- {v['id']} [{v['impact']}]: {v['help']} <{v['helpUrl']}>")
        for target, summary in zip(v["targets"], v["summaries"], strict=True):
            detail = " ".join(summary.split())
            lines.append(f"    {target}" + (f" — {detail[:300]}" if detail else ""))
    raise AssertionError("\n".join(lines))


def visit(page, url: str, context: str = ""):
    """Go to url, wait until it has loaded, check its accessibility; the response."""
    response = page.goto(url, wait_until="load")
    check_accessibility(page, context or url)
    return response
