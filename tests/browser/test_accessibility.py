"""axe-core finds no serious or critical accessibility problems on the pages readers and staff use.

axe-core (tests/browser/vendor/axe-core, from the npm registry, MPL-2.0) is injected into the
page and run with its default rules; any violation rated serious or critical fails the test,
printed with the rule, its help link and the offending elements. Both colour schemes are
checked, because contrast is a property of the palette and dark mode has its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import click_first_line

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


@pytest.fixture(params=["light", "dark"])
def scheme_page(request: pytest.FixtureRequest, browser: Any) -> Any:
    """A page in the given colour scheme. The CSP is bypassed only so axe itself can be injected."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=request.param, bypass_csp=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}")
            lines.append(f"       {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def assert_accessible(page: Any) -> None:
    """Run axe on the loaded page; fail listing every serious or critical violation."""
    page.evaluate("() => document.fonts.ready")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"axe found problems on {page.url}:\n" + _describe(blocking)


def test_home_page_has_no_serious_accessibility_problems(scheme_page, live_server, review_site):
    scheme_page.goto(live_server.url + "/")
    assert_accessible(scheme_page)


def test_review_page_has_no_serious_accessibility_problems(scheme_page, live_server, review_site):
    scheme_page.goto(live_server.url + f"/posts/{review_site.post.slug}/")
    assert scheme_page.locator(".post-body figure img").count() == 2
    assert_accessible(scheme_page)


def test_review_page_with_a_revealed_spoiler_stays_accessible(scheme_page, live_server, review_site):
    scheme_page.goto(live_server.url + f"/posts/{review_site.post.slug}/")
    spoiler = scheme_page.locator("span.spoiler").first
    click_first_line(spoiler)
    assert "revealed" in (spoiler.get_attribute("class") or "")
    assert_accessible(scheme_page)


def test_login_page_has_no_serious_accessibility_problems(scheme_page, live_server):
    response = scheme_page.goto(live_server.url + "/login")
    assert response is not None and response.status == 200
    assert_accessible(scheme_page)


def test_login_errors_are_announced_and_accessible(scheme_page, live_server, make_user):
    make_user("author", email="writer@example.org")
    scheme_page.goto(live_server.url + "/login")
    scheme_page.get_by_label("Email").fill("writer@example.org")
    scheme_page.get_by_label("Password").fill("not the password")
    scheme_page.get_by_role("button", name="Sign in").click()
    assert scheme_page.get_by_role("alert").first.is_visible()
    assert_accessible(scheme_page)


@pytest.mark.parametrize("path", ["/search?q=opera", "/no-such-page/"])
def test_pages_with_two_search_forms_name_each_one_apart(scheme_page, live_server, review_site, path):
    """The header's search and the page's own are two search landmarks: a screen reader's list of
    landmarks must tell them apart (axe's landmark-unique, a moderate rule the test above lets by)."""
    scheme_page.goto(live_server.url + path)
    scheme_page.add_script_tag(path=str(AXE))
    result = scheme_page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'rule', values: ['landmark-unique']}, resultTypes: ['violations']})"
    )
    assert not result["violations"], _describe(result["violations"])
    assert scheme_page.locator("[role=search]").count() == 2


def test_a_works_history_links_are_big_enough_to_tap(scheme_page, live_server, make_post):
    """WCAG 2.2 target size (axe's target-size, off by default): the version link was "1", 8 × 22 px."""
    from tests.reviews_support import seed_memories

    seed_memories(make_post)
    scheme_page.set_viewport_size({"width": 390, "height": 844})
    scheme_page.goto(live_server.url + "/works/memories/history/")
    scheme_page.add_script_tag(path=str(AXE))
    result = scheme_page.evaluate(
        "() => axe.run(document.querySelector('main'), {runOnly: {type: 'rule', values: ['target-size']},"
        " resultTypes: ['violations']})"
    )
    assert not result["violations"], _describe(result["violations"])
    assert scheme_page.get_by_role("link", name="Version 1").count() == 1
