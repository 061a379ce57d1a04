"""How the Slack adapter's Web API client retries: slack_sdk's own retry handlers, each retry logged in one line.

A live answer must survive one bad moment of Slack's: an HTTP 500/503, a dropped connection
or a request that times out is tried again after a short backoff; a 429 waits its
Retry-After. The number of retries is bounded, so with REQUEST_TIMEOUT the total wait is too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Optional

from aiohttp import ClientOSError, ServerConnectionError, ServerDisconnectedError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

log = logging.getLogger("adapters.slack")

REQUEST_TIMEOUT = 15.0  # seconds one Web API request may take before it counts as failed
SERVER_ERROR_RETRIES = 2  # retries after a 500/503 or a connection failure or timeout (0.5 s, 1 s backoff + jitter)


def _reason(response: Optional[HttpResponse], error: Optional[Exception]) -> str:
    if response is not None:
        return f"HTTP {response.status_code}"
    return type(error).__name__ if error is not None else "an unknown failure"


def _method(request: HttpRequest) -> str:
    return request.url.rstrip("/").rsplit("/", 1)[-1]  # the API method (the URL carries no token)


class _Logged(AsyncRetryHandler):
    """Mixin: one log line per retry, naming the method and the reason."""

    async def prepare_for_next_attempt_async(self, *, state: RetryState, request: HttpRequest,
                                             response: Optional[HttpResponse] = None,
                                             error: Optional[Exception] = None) -> None:
        log.warning("Slack's %s failed (%s); retry %s of %s", _method(request), _reason(response, error),
                    state.current_attempt + 1, self.max_retry_count)
        await super().prepare_for_next_attempt_async(state=state, request=request, response=response, error=error)


class ServerErrorRetry(_Logged, AsyncServerErrorRetryHandler):
    """slack_sdk's retry of HTTP 500 and 503, logged."""


class ConnectionErrorRetry(_Logged, AsyncConnectionErrorRetryHandler):
    """slack_sdk's retry of broken connections, here also of requests that timed out, logged."""

    def __init__(self, max_retry_count: int) -> None:
        super().__init__(max_retry_count, error_types=[ServerConnectionError, ServerDisconnectedError, ClientOSError,
                                                       asyncio.TimeoutError])


class RateLimitRetry(_Logged, AsyncRateLimitErrorRetryHandler):
    """slack_sdk's wait for Retry-After on HTTP 429, logged."""


def retry_handlers(rate_limit_retries: int = 3,
                   server_error_retries: int = SERVER_ERROR_RETRIES) -> list[AsyncRetryHandler]:
    """The handlers for AsyncWebClient(retry_handlers=...)."""
    return [ConnectionErrorRetry(server_error_retries), ServerErrorRetry(server_error_retries),
            RateLimitRetry(rate_limit_retries)]
