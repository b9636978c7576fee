"""Template plumbing (blog.web): the globals imported templates see, kept quick to compute."""

from __future__ import annotations

import jinja2

from blog.web import TemplateGlobals


class _Env(jinja2.Environment):
    def make_globals(self, d):  # as blog.web.Environment does, without a Flask app
        return TemplateGlobals(d if d is not None else {}, self.globals)


def test_the_apps_templates_use_the_quick_globals_and_imports_reuse_their_module(app):
    page = app.jinja_env.from_string(
        '{% from "comments/_macros.html" import field_errors %}{{ field_errors(["Too short."]) }}'
    )
    assert isinstance(page.globals, TemplateGlobals)
    assert page.globals.keys() == set(app.jinja_env.globals)
    assert '<span class="field-error" role="alert">Too short.</span>' in page.render()
    imported = app.jinja_env.get_template("comments/_macros.html")
    # Nothing the page has that the macro file lacks: Jinja hands back the module it built once.
    assert imported._get_default_module(page.new_context()) is imported._get_default_module(page.new_context())


def test_a_global_given_to_one_template_still_reaches_what_it_imports():
    env = _Env(
        loader=jinja2.DictLoader(
            {
                "macros.html": "{% macro hello() %}Hello {{ who | default('nobody') }}{% endmacro %}",
                "page.html": '{% from "macros.html" import hello %}{{ hello() }}',
            }
        )
    )
    assert env.get_template("page.html").render() == "Hello nobody"
    assert env.get_template("page.html", globals={"who": "Ann"}).render() == "Hello Ann"
    assert env.get_template("macros.html").globals.keys() == set(env.globals)
