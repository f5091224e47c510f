"""One HTTP client per process for calls to outside platforms (Graph API, SMS gateway, Meta's
media CDN): building a client's TLS context loads the CA bundle, about 40 ms, which every
acknowledgement paid when each call made its own client (bench/e2e.py); connections are reused
too. Every call still passes its own timeout."""

import ipaddress
import os
import socket
import threading

import httpx

_client: httpx.Client | None = None
_owner_pid = 0
_lock = threading.Lock()


def http() -> httpx.Client:
    global _client, _owner_pid
    if _client is None or _owner_pid != os.getpid():  # a forked child builds its own
        with _lock:
            if _client is None or _owner_pid != os.getpid():
                _client = httpx.Client(follow_redirects=False)
                _owner_pid = os.getpid()
    return _client


class PrivateAddress(ValueError):
    pass


def ensure_public(host: str, port: int) -> None:
    """Refuse a host that resolves to a private, loopback, link-local or reserved address: a
    URL someone else chose (a webhook subscriber, an Open311 media_url) must not reach inside
    the city's network (SSRF)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise PrivateAddress(f"주소를 찾을 수 없습니다: {host}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or not embedded_ipv4_is_global(address):
            raise PrivateAddress(f"내부·사설 주소({address})로는 보낼 수 없습니다.")


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the IPv4 address in the last 32 bits
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: for a network's own use


def embedded_ipv4_is_global(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """An IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo) reaches that
    IPv4 address through a gateway: it is only as global as the address inside."""
    if not isinstance(address, ipaddress.IPv6Address):
        return True
    if address in LOCAL_NAT64:
        return False
    inner: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped:
        inner.append(address.ipv4_mapped)
    if address.sixtofour:
        inner.append(address.sixtofour)
    if address.teredo:
        inner.extend(address.teredo)
    if address in NAT64:
        inner.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return all(ip.is_global for ip in inner)
