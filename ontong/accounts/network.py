"""The client's address: the one function every IP read goes through (rate limits, login
lockouts, timelines, /metrics).

Behind a reverse proxy REMOTE_ADDR is the proxy. X-Forwarded-For is believed only as far as it was
written by proxies listed in ONTONG_TRUSTED_PROXIES: walking it from the right, the first address
that is not a trusted proxy is the client (anything left of it could have been sent by the client).
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def trusted_networks(cidrs: tuple[str, ...]) -> tuple[ipaddress._BaseNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def parse(text: str | None) -> Address | None:
    """An address as proxies write it: bare, or with a port ("1.2.3.4:5678", "[2001:db8::1]:443")."""
    text = (text or "").strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_trusted_proxy(address: Address | None) -> bool:
    if address is None:
        return False
    networks = trusted_networks(tuple(settings.ONTONG_TRUSTED_PROXIES))
    return any(address in network for network in networks)


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or ""
    peer = parse(remote)
    # No REMOTE_ADDR: a Unix socket, which only a local proxy can reach.
    if remote and (peer is None or not is_trusted_proxy(peer)):
        return str(peer) if peer else remote
    client = peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = parse(hop)
        if address is None:
            break  # garbage: keep the last address a trusted proxy vouched for
        client = address
        if not is_trusted_proxy(address):
            break
    return str(client) if client else None


def is_direct_loopback(request) -> bool:
    """A request made on this machine itself, not one a local proxy forwarded for someone else."""
    peer = parse(request.META.get("REMOTE_ADDR"))
    forwarded = any(
        header in request.META
        for header in ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
    )
    return peer is not None and peer.is_loopback and not forwarded


def ratelimit_ip(request) -> str:
    """django-ratelimit's key="ip" (RATELIMIT_IP_META_KEY): never empty, so it cannot raise."""
    return client_ip(request) or "0.0.0.0"  # noqa: S104 - a bucket name, not a bind address


USERNAME_MAX = 150  # the user model's username length; the lockout table holds 255


def lockout_username(request, credentials=None) -> str | None:
    """The name login lockouts are counted under (AXES_USERNAME_CALLABLE): what was typed,
    bounded and without NUL, so any junk a client posts can be recorded."""
    if credentials is not None:
        typed = credentials.get("username")
    else:
        typed = getattr(request, "POST", {}).get("username")
    if typed is None:
        return None
    return str(typed).replace("\x00", "")[:USERNAME_MAX]
