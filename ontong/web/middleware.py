class KoreanByDefault:
    """Korean unless the person chose otherwise (language cookie): a browser's Accept-Language
    alone does not switch a city's workspace or complaint form to English."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
