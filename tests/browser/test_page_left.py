"""The wait condition behind :func:`tests.browser.conftest.follow`, without a browser: CI's
PostgreSQL run failed once on chromedriver's answer for a node of a page being torn down."""

from __future__ import annotations

import pytest

pytest.importorskip("selenium")

from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException,
    WebDriverException,
)

from tests.browser.conftest import page_left  # noqa: E402

TORN_DOWN = (
    "unknown error: unhandled inspector error: "
    '{"code":-32000,"message":"Node with given id does not belong to the document"}'
)


class Node:
    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def is_enabled(self) -> bool:
        if self.error:
            raise self.error
        return True


def test_a_node_still_on_the_page_means_the_browser_has_not_left() -> None:
    assert page_left(Node(None))(None) is False


@pytest.mark.parametrize(
    "error", [StaleElementReferenceException("stale"), WebDriverException(TORN_DOWN)]
)
def test_a_stale_node_or_one_of_a_torn_down_page_means_the_page_is_gone(error: Exception) -> None:
    assert page_left(Node(error))(None) is True


def test_any_other_driver_error_still_fails_the_wait() -> None:
    with pytest.raises(WebDriverException, match="chrome not reachable"):
        page_left(Node(WebDriverException("chrome not reachable")))(None)
