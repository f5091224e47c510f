"""Every call to /api/ and /open311/ goes into the API call log: key, operation, status, IP."""

from ontong.accounts.network import client_ip

from . import keys

AUDITED = ("/api/", "/open311/")


class AuditApiCalls:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(AUDITED) and not request.path.startswith(
            ("/api/docs", "/api/openapi.json")
        ):
            key = getattr(request, "api_key", None)
            prefix = getattr(request, "api_prefix", "")
            if key is not None or prefix:
                match = getattr(request, "resolver_match", None)
                keys.audit(
                    key,
                    request.method or "",
                    logged_path(request),
                    (match.url_name or "") if match else "",
                    response.status_code,
                    client_ip(request),
                    prefix=prefix,
                )
        return response


def logged_path(request) -> str:
    """The path and query without the key (Open311 sends api_key as a parameter)."""
    query = request.GET.copy()
    query.pop("api_key", None)
    return request.path + (f"?{query.urlencode()}" if query else "")
