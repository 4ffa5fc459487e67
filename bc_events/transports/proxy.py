"""Which proxy a transport goes through: an explicit one, or the environment's, as urllib reads it."""

from __future__ import annotations

import urllib.parse
import urllib.request


def choose_proxy(url: str, proxy: str | None) -> str | None:
    """The proxy URL requests to ``url`` go through, or None for a direct connection.

    ``proxy`` given: that proxy (``""``: none).  Otherwise the environment, as
    urllib and requests read it: ``HTTPS_PROXY``/``HTTP_PROXY`` by the URL's
    scheme (or ``ALL_PROXY``), unless ``NO_PROXY`` names the host.
    """
    if proxy is not None:
        chosen = proxy or None
    else:
        parts = urllib.parse.urlsplit(url)
        found = urllib.request.getproxies()
        chosen = found.get(parts.scheme) or found.get("all")
        if chosen and urllib.request.proxy_bypass(parts.netloc):
            chosen = None
    if chosen is None:
        return None
    if "://" not in chosen:
        chosen = "http://" + chosen  # as urllib and requests read "proxy:3128"
    scheme = urllib.parse.urlsplit(chosen).scheme
    if scheme not in ("http", "https"):
        raise ValueError(
            f"proxy {_without_password(chosen)!r}: only http:// and https:// proxies are supported"
        )
    return chosen


def _without_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    port = f":{parts.port}" if parts.port else ""
    return parts._replace(netloc=f"{parts.username}:***@{parts.hostname}{port}").geturl()
