"""A form that comes back with errors says so at its top, with a link to each field that needs
attention: on a long form (a work's details) the message beside a field can be 3,000 px down."""

from __future__ import annotations

import re

import pytest

from blog.models import Role
from tests.conftest import login_as
from tests.reviews_support import add_person
from tests.test_works_admin import GOOD

#: A valid work, as the works admin tests type it.
WORK = dict(GOOD, genres="Science fiction", credits="Satoshi Kon | Director")


@pytest.fixture
def editor(client, make_user):
    user = make_user(Role.EDITOR)
    add_person(user, "Satoshi Kon")
    login_as(client, user)
    return user


def _summary(page: str) -> str:
    match = re.search(r'<div class="form-errors error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert match, "no error summary on the page"
    return match.group(1)


def test_a_refused_work_form_lists_each_field_to_fix_at_its_top_with_links(client, editor):
    data = dict(WORK, runtime_minutes="-90", links="Official site | ftp://example.org")
    response = client.post("/admin/works/new", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = _summary(page)
    assert "2 fields need your attention; what you typed is kept." in summary
    links = re.findall(r'<a href="#([\w-]+)" data-field="[\w-]+">([^<]+)</a>', summary)
    assert [target for target, _ in links] == ["runtime_minutes", "links"]
    assert "is not a runtime" in links[0][1] and "is not a web address" in links[1][1]
    # The summary comes before the first field, and each link names a field on the page.
    assert page.index("error-summary") < page.index('id="title"')
    for target, _ in links:
        assert f'id="{target}"' in page
    assert 'value="-90"' in page and "ftp://example.org" in page  # nothing typed is lost


def test_one_field_is_said_in_the_singular_and_a_valid_form_has_no_summary(client, editor):
    page = client.post("/admin/works/new", data=dict(WORK, runtime_minutes="soon")).get_data(as_text=True)
    assert "One field needs your attention" in _summary(page)
    assert "error-summary" not in client.get("/admin/works/new").get_data(as_text=True)
