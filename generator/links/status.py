"""The closed set of link statuses and the result record every part of the checker shares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum

# A result whose reason starts with this was not really checked: the whole network looked down.
NO_NETWORK = "no network"


class Status(StrEnum):
    """What a check found. Closed: every result is exactly one of these.

    ok          the page answered 2xx (possibly after temporary redirects)
    redirected  the page moved permanently (every hop 301/308); `final_url` says where
    broken      404/410, DNS failure, refused connection, redirect loop or redirect to a 404,
                5xx after retries, a missing #fragment, a hung socket after its retry
    unknown     a bot cannot tell: bot walls (403 even with a browser UA, 999, challenge
                pages), rate limits beyond the cap, TLS trouble, a likely soft-404, no network
    skipped     not checked by choice: excluded by config, or a private address
    """

    OK = "ok"
    REDIRECTED = "redirected"
    BROKEN = "broken"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"

    @property
    def verdict(self) -> str:
        """The benchmark's three-way verdict: unknown is indeterminate, so not broken."""
        return {"ok": "ok", "redirected": "ok", "broken": "broken"}.get(self.value, "skipped")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class LinkResult:
    url: str
    status: Status
    reason: str = ""
    http_status: int | None = None
    final_url: str | None = None
    checked_at: str = field(default_factory=lambda: format_time(utc_now()))
    sources: tuple[str, ...] = ()

    @property
    def offline(self) -> bool:
        """True when the check could not run because the network was down (never cached)."""
        return self.reason.startswith(NO_NETWORK)

    def with_sources(self, sources: tuple[str, ...]) -> LinkResult:
        return replace(self, sources=tuple(sources))

    def to_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "status": self.status.value,
            "verdict": self.status.verdict,
            "http_status": self.http_status,
            "final_url": self.final_url,
            "reason": self.reason,
            "checked_at": self.checked_at,
            "sources": list(self.sources),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> LinkResult:
        http_status = data.get("http_status")
        return cls(
            url=str(data["url"]),
            status=Status(str(data["status"])),
            reason=str(data.get("reason") or ""),
            http_status=int(http_status) if isinstance(http_status, int | str) and str(http_status).isdigit() else None,
            final_url=str(data["final_url"]) if data.get("final_url") else None,
            checked_at=str(data.get("checked_at") or format_time(utc_now())),
            sources=tuple(str(s) for s in data.get("sources") or ()),  # type: ignore[union-attr]
        )
