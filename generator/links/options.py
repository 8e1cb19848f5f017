"""What a check run may do: time budgets, limits, retries, caps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckOptions:
    timeout: float = 10.0  # seconds to wait for response headers (connect included)
    concurrency: int = 128  # requests in flight overall
    per_host: int = 4  # requests in flight per host (halved on 429, slowly won back)
    allow_private: bool = False
    retries: int = 2  # extra attempts for 502/503/504 and resets (other 5xx get one)
    retry_after_cap: float = 20.0  # longest Retry-After honoured; longer -> unknown
    max_redirects: int = 10
    max_body: int = 5 * 1024 * 1024  # bytes read at most when looking for a #fragment
    hedge_at: float = 0.6  # no headers after this share of timeout: a second attempt in parallel
    exclude: tuple[str, ...] = ()  # regular expressions; matching URLs are skipped

    @property
    def deadline(self) -> float:
        """One overall budget per URL: retries, redirects, Retry-After waits and body reading."""
        return max(4 * self.timeout, self.retry_after_cap + 2 * self.timeout)
