"""Random forms and query strings at every route: a person may get a 4xx, never a 500.

Hypothesis drives a few examples per route and method (kept small so the suite stays fast);
the URL map is walked, so new routes are fuzzed as soon as they exist.
"""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog.extensions import db
from blog.models import Comment, CommentStatus, Role
from tests.route_walk import STATE_CHANGING, routes

FIELDS = [
    "title",
    "body",
    "body_md",
    "author_name",
    "author_email",
    "author_url",
    "email",
    "password",
    "next",
    "q",
    "page",
    "slug",
    "tags",
    "categories",
    "status",
    "published_at",
    "score",
    "parent_id",
    "reason",
    "note",
    "action",
    "name",
    "website",
    "bio",
    "remember",
    "comment_status",
    "series_title",
    "series_part",
    "kind",
    "year",
    "verdict",
    "work_id",
    "ids",
    "order",
    "provider",
    "token",
    "honeypot",
]

#: Values people (and bots) really send: empty, huge, wrong type, markup, odd unicode, NUL bytes.
ODD_VALUES = [
    "",
    "0",
    "-1",
    "99999999999999999999",
    "1e309",
    "NaN",
    "null",
    "true",
    "<script>x</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "//evil.com",
    "\x00",
    "ü" * 300,
    "2026-13-45T99:99",
    "a" * 5000,
    "%",
    "[]",
    "{}",
    "1.5",
    "📽️",
]
VALUES = st.one_of(st.text(max_size=40), st.sampled_from(ODD_VALUES))
FORMS = st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=12)), VALUES, max_size=8)
QUERIES = st.dictionaries(
    st.one_of(st.sampled_from(["page", "q", "next", "sort", "tag", "year", "kind"]), st.text(min_size=1, max_size=8)),
    VALUES,
    max_size=4,
)

EXAMPLES = 6


def _samples(make_post, make_user):
    admin = make_user(Role.ADMIN)
    post = make_post("Fond Memories", "Memories is a *three episode* anthology.", author=admin)
    comment = Comment(
        post_id=post.id, author_name="Ann", body_source="Hi", body_html="<p>Hi</p>", status=CommentStatus.APPROVED
    )
    db.session.add(comment)
    db.session.commit()
    return admin, {"slug": post.slug, "post_id": post.id, "comment_id": comment.id, "id": post.id}


def _one_route(app, login, admin, route, method: str, signed_in: bool):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(form=FORMS, query=QUERIES)
    def hit(form, query):
        client = app.test_client()
        if signed_in:
            login(client, admin)
        url = route.url + ("?" + urlencode(query) if query else "")
        if method in STATE_CHANGING:
            response = client.open(url, method=method, data=form)
        else:
            response = client.open(url, method=method)
        assert response.status_code < 500, f"{method} {url} {form!r} -> {response.status_code}"
        db.session.rollback()

    return hit


def _fuzz(app, login, admin, samples, signed_in: bool) -> int:
    checked = 0
    for route in routes(app, samples):
        for method in sorted(route.methods):
            _one_route(app, login, admin, route, method, signed_in)()
            checked += 1
    return checked


def test_random_forms_and_queries_never_make_a_500_for_a_visitor(app, make_post, make_user, login):
    admin, samples = _samples(make_post, make_user)
    assert _fuzz(app, login, admin, samples, signed_in=False) >= 3


def test_random_forms_and_queries_never_make_a_500_for_an_admin(app, make_post, make_user, login):
    admin, samples = _samples(make_post, make_user)
    assert _fuzz(app, login, admin, samples, signed_in=True) >= 3
