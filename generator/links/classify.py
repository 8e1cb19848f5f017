"""Turning what happened on the wire into one `Status` and a reason a human can act on."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from . import fetch as f
from .body import fragment_needs_no_check, soft_404_title
from .status import Status

PERMANENT = frozenset({301, 308})
REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str
    http_status: int | None = None
    final_url: str | None = None


def _tries(out: f.Outcome) -> str:
    return f" after {out.attempts} attempts" if out.attempts > 1 else ""


def page_verdict(url: str, out: f.Outcome, chain: list[tuple[int, str]], problem: str | None,
                 timeout: float) -> Verdict:
    """The verdict for a page (no fragment): `chain` is the redirects followed, `problem` a loop etc."""
    final = chain[-1][1] if chain else None
    code = out.status
    if problem:
        return Verdict(Status.BROKEN, problem, code, final)
    if out.error is not None:
        return _failure(out, final, timeout)
    assert code is not None
    if 200 <= code < 300:
        if chain and _to_home_page(url, final or url):
            return Verdict(Status.UNKNOWN, f"likely soft-404: redirected to the home page {final}", code, final)
        if soft_404_title(out.title):
            return Verdict(Status.UNKNOWN, f"likely soft-404: the page title says {out.title!r}", code, final)
        if chain and all(hop in PERMANENT for hop, _ in chain):
            return Verdict(Status.REDIRECTED, f"moved permanently ({len(chain)} hop(s)) to {final}", code, final)
        if chain:
            return Verdict(Status.OK, f"OK after a temporary redirect to {final}", code, final)
        return Verdict(Status.OK, f"HTTP {code}", code, None)
    where = f" (redirected to {final})" if final else ""
    if code in (404, 410):
        return Verdict(Status.BROKEN, f"HTTP {code}{where}", code, final)
    if out.challenge:
        return Verdict(Status.UNKNOWN, f"bot protection: challenge page (HTTP {code}){where}", code, final)
    if code in REDIRECTS:
        return Verdict(Status.UNKNOWN, f"HTTP {code} redirect without a Location header", code, final)
    if code == 403:
        return Verdict(Status.UNKNOWN, f"bot protection: HTTP 403 even with a browser User-Agent{where}", code, final)
    if code == 999:
        return Verdict(Status.UNKNOWN, f"bot protection: HTTP 999 (request denied){where}", code, final)
    if code == 429:
        note = out.notes[-1] if out.notes else "rate limited"
        return Verdict(Status.UNKNOWN, f"HTTP 429: {note}{where}", code, final)
    if code == 401:
        return Verdict(Status.UNKNOWN, f"HTTP 401: needs a login{where}", code, final)
    if 500 <= code < 600:
        return Verdict(Status.BROKEN, f"HTTP {code}{_tries(out)}{where}", code, final)
    if 400 <= code < 500:
        return Verdict(Status.UNKNOWN, f"HTTP {code}: the server refused this request{where}", code, final)
    return Verdict(Status.UNKNOWN, f"unexpected HTTP status {code}{where}", code, final)


def _failure(out: f.Outcome, final: str | None, timeout: float) -> Verdict:
    where = f" (after redirecting to {final})" if final else ""
    kind = out.error
    if kind == f.PRIVATE:
        return Verdict(Status.SKIPPED, f"refused: {out.detail}; pass --allow-private to check it", None, final)
    if kind == f.TIMEOUT:
        what = f"no response within {timeout:g} s" if out.detail in ("", "no response") else out.detail
        return Verdict(Status.BROKEN, f"{what}{_tries(out)}{where}", None, final)
    if kind == f.TLS:
        return Verdict(Status.UNKNOWN, f"{out.detail} (a browser may still open it){where}", None, final)
    if kind == f.RESET:
        return Verdict(Status.BROKEN, f"{out.detail}{_tries(out)}{where}", None, final)
    return Verdict(Status.BROKEN, f"{out.detail}{where}", None, final)


def _to_home_page(url: str, final: str) -> bool:
    before, after = urlsplit(url), urlsplit(final)
    return before.path.strip("/") != "" and after.path.strip("/") == "" and not after.query


def fragment_verdict(page: Verdict, fragment: str, out: f.Outcome, host: str) -> Verdict:
    """The verdict for `page#fragment`, given the page's verdict and what the body scan found."""
    if page.status not in (Status.OK, Status.REDIRECTED) or fragment_needs_no_check(fragment, host):
        return page
    if out.found is None:
        if "html" not in out.content_type:
            return page  # #page=3 in a PDF and the like: nothing to check
        return Verdict(Status.UNKNOWN, f"could not check #{fragment}: {out.body_note or 'page not read'}",
                       page.http_status, page.final_url)
    if fragment in out.found:
        return page
    if out.body_note:
        return Verdict(Status.UNKNOWN, f"#{fragment} not found, but {out.body_note}", page.http_status,
                       page.final_url)
    return Verdict(Status.BROKEN, f"fragment #{fragment} not found on the page", page.http_status, page.final_url)
