"""The test suite's cache of werkzeug's URL builders (tests/routes_cache.py) builds the same
URLs as werkzeug's own compilation, for every route of the app."""

from __future__ import annotations

from werkzeug.routing import Map, Rule

from tests.routes_cache import _compiled


def test_the_cache_is_installed_and_used(app) -> None:  # noqa: ANN001
    assert getattr(Rule._compile_builder, "cached", False)
    assert len(_compiled) >= 2 * len(list(app.url_map.iter_rules()))


def test_builders_from_the_cache_build_what_werkzeug_builds() -> None:
    def build(rules: list[Rule]) -> list[str]:
        adapter = Map(rules).bind("example.org")
        return [
            adapter.build("page", {"slug": "marl", "year": 2024}),
            adapter.build("page", {"slug": "hamm", "year": 2023, "q": "a b"}),
            adapter.build("home", {"slug": "marl"}),
            adapter.build("home", {"slug": "marl", "page": 3}),
            adapter.build("fixed", {}),
        ]

    def rules() -> list[Rule]:
        return [
            Rule("/<slug>/report/<int:year>", endpoint="page"),
            Rule("/<slug>/", endpoint="home", defaults={"page": 1}),
            Rule("/<slug>/page/<int:page>", endpoint="home"),
            Rule("/about", endpoint="fixed"),
        ]

    first, again = build(rules()), build(rules())  # the second from the cache
    assert (
        first
        == again
        == [
            "/marl/report/2024",
            "/hamm/report/2023?q=a+b",
            "/marl/",
            "/marl/page/3",
            "/about",
        ]
    )
