"""Settings, all from the environment (see docs/configuration.md).

ONTONG_ENV=production switches to the hardened mode that passes `ontong check --deploy`.
"""

import json
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("ONTONG_VAR_DIR", BASE_DIR.parent / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)
# prometheus_client's multiprocess mode (ontong/metrics.py): the web and task workers of the machine
# write their counters here and /metrics sums them. Read when prometheus_client is first imported,
# so it is set here, before any app module; a child process gets its own VAR_DIR's, not ours.
METRICS_DIR = Path(os.environ.get("ONTONG_METRICS_DIR", VAR_DIR / "metrics")).resolve()
METRICS_DIR.mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)

PRODUCTION = os.environ.get("ONTONG_ENV", "development") == "production"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def development_secret_key() -> str:
    """A per-checkout key kept under var/, so sessions survive restarts but no key is in the repo."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


if PRODUCTION:
    SECRET_KEY = os.environ["ONTONG_SECRET_KEY"]
else:
    SECRET_KEY = os.environ.get("ONTONG_SECRET_KEY") or development_secret_key()

# Off in both modes, so the demo shows the friendly error pages a citizen would see; developers
# who want Django's technical pages set ONTONG_DEBUG=1 (never in production).
DEBUG = env_bool("ONTONG_DEBUG", False)
ALLOWED_HOSTS = env_list("ONTONG_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("ONTONG_CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("ONTONG_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CITY_NAME = os.environ.get("ONTONG_CITY_NAME", "서산시")
# Open311 jurisdiction_id this server answers to; empty: any (one city per server).
ONTONG_OPEN311_JURISDICTION = os.environ.get("ONTONG_OPEN311_JURISDICTION", "").strip()
# Open311 GET requests without an api_key: off by default; on, only the public view (service,
# status, 읍면동, dates, department; no text, no exact place).
ONTONG_OPEN311_PUBLIC_READ = env_bool("ONTONG_OPEN311_PUBLIC_READ", False)
# Outgoing webhooks: private and loopback addresses are refused in production (SSRF).
ONTONG_WEBHOOK_ALLOW_PRIVATE = env_bool("ONTONG_WEBHOOK_ALLOW_PRIVATE", not PRODUCTION)
ONTONG_WEBHOOK_TIMEOUT = float(os.environ.get("ONTONG_WEBHOOK_TIMEOUT", "10"))
# Open311 media_url photos are fetched from the host the caller names: https and public
# addresses only in production (SSRF), like webhooks.
ONTONG_MEDIA_URL_ALLOW_PRIVATE = env_bool("ONTONG_MEDIA_URL_ALLOW_PRIVATE", not PRODUCTION)
ONTONG_MEDIA_URL_TIMEOUT = float(os.environ.get("ONTONG_MEDIA_URL_TIMEOUT", "10"))
# Staff names: 성명 순서 "최도로" (family_given) or "도로 최" (given_family); the title after an
# official's name in what citizens read ("최도로 주무관"; empty for none).
ONTONG_NAME_ORDER = os.environ.get("ONTONG_NAME_ORDER", "family_given")
if ONTONG_NAME_ORDER not in {"family_given", "given_family"}:
    raise ImproperlyConfigured("ONTONG_NAME_ORDER는 family_given 또는 given_family입니다.")
ONTONG_STAFF_TITLE = os.environ.get("ONTONG_STAFF_TITLE", "주무관").strip()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "django_ratelimit",
    "ontong.org",
    "ontong.complaints",
    "ontong.channels.web",
    "ontong.channels.meta",
    "ontong.channels.kakao",
    "ontong.channels.alimtalk",
    "ontong.routing",
    "ontong.publishing",
    "ontong.web",
    "ninja",  # its Swagger UI files, served at /api/docs
    "ontong.api",
    # Demo loader, Meta emulator and `ontong run`: commands only, nothing is served from here.
    "ontong.devtools",
]

MIDDLEWARE = [
    "ontong.web.health.CountRequests",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "ontong.web.middleware.BrowserPolicies",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ontong.web.middleware.KoreanByDefault",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ontong.web.middleware.FriendlyMethodNotAllowed",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "ontong.api.middleware.AuditApiCalls",
]

ROOT_URLCONF = "ontong.urls"
WSGI_APPLICATION = "ontong.wsgi.application"
ASGI_APPLICATION = "ontong.asgi.application"

# A city's own templates, looked at before ours: the citizen notices (notices/*.txt,
# docs/channels/README.md) and any page template. Absent by default.
ONTONG_TEMPLATE_DIR = os.environ.get("ONTONG_TEMPLATE_DIR", "").strip()
TEMPLATE_DIRS = [
    *([Path(ONTONG_TEMPLATE_DIR).resolve()] if ONTONG_TEMPLATE_DIR else []),
    # Project-wide overrides of other apps' templates (admin/base_site.html).
    BASE_DIR / "templates",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": TEMPLATE_DIRS,
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "ontong.web.context.ontong",
            ],
        },
    },
    {
        # What citizens read (complaints.wording): plain text, so nothing is HTML-escaped; the
        # particle and shortening filters need no {% load %} in a city's own copy.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "NAME": "notices",
        "DIRS": TEMPLATE_DIRS,
        "APP_DIRS": True,
        "OPTIONS": {
            "autoescape": False,
            "builtins": ["ontong.complaints.templatetags.wording"],
        },
    },
]


def database_from_url(url: str) -> dj_database_url.DBConfig:
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Kept open as on PostgreSQL: opening and closing the file per request (closing the last
        # connection also checkpoints the WAL) was half of a webhook's answer time (bench/ingest.py).
        config["OPTIONS"] = {
            # IMMEDIATE: a write transaction takes the lock when it starts, so two writers
            # queue on busy_timeout instead of failing with "database is locked" mid-way.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ontong.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("ONTONG_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

CACHES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": os.environ.get(
            "ONTONG_CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"
        ),
        "LOCATION": os.environ.get("ONTONG_CACHE_LOCATION", "ontong"),
    }
}
RATELIMIT_ENABLE = env_bool("ONTONG_RATELIMIT", True)
RATELIMIT_VIEW = "ontong.channels.web.views.ratelimited"
ONTONG_INTAKE_RATE = os.environ.get("ONTONG_INTAKE_RATE", "20/h")
# Production's shared default cache and the system checks about it: see "Accounts" below.

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("한국어")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Development serves static files straight from the apps (no collectstatic, edits show at once);
# production serves the hashed copies collectstatic wrote, listed in its manifest.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
# Files served at the site root (/favicon.ico), in both modes.
WHITENOISE_ROOT = BASE_DIR / "web" / "root"
MEDIA_ROOT = Path(os.environ.get("ONTONG_MEDIA_ROOT", VAR_DIR / "media"))
# Uploaded photos are personal data served by the app after its access check: no other account
# on the machine (nor a web server) reads them.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}


def media_s3_storage(env: Mapping[str, str]) -> dict[str, Any]:
    """STORAGES["default"] for uploaded files on the S3-compatible bucket ONTONG_MEDIA_S3_BUCKET
    names (django-storages, the `s3` extra): every node of a multi-node setup then reads and writes
    the same files. Objects stay private (no ACL is sent: the bucket's own, private by default);
    the app serves them after its access check and hands out no object URL.
    docs/configuration.md "올린 파일 저장소"."""
    from botocore.config import Config  # why: only installed with the s3 extra

    endpoint = env.get("ONTONG_MEDIA_S3_ENDPOINT_URL", "").strip() or None
    timeout = float(env.get("ONTONG_MEDIA_S3_TIMEOUT", "5"))
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env["ONTONG_MEDIA_S3_BUCKET"].strip(),
            "endpoint_url": endpoint,
            "region_name": env.get("ONTONG_MEDIA_S3_REGION", "").strip() or None,
            # Empty: boto3's own chain (an instance role, ~/.aws) finds the credentials.
            "access_key": env.get("ONTONG_MEDIA_S3_ACCESS_KEY", "") or None,
            "secret_key": env.get("ONTONG_MEDIA_S3_SECRET_KEY", "") or None,
            "location": env.get("ONTONG_MEDIA_S3_PREFIX", "").strip("/"),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            # A second upload under an existing name gets a new name instead of replacing it.
            "file_overwrite": False,
            # A file read back (to serve it, to make a JPEG) spills to disk past this size.
            "max_memory_size": 2 * 1024 * 1024,
            "client_config": Config(
                # Stores other than AWS (MinIO, Ceph, NCP, moto) answer on the endpoint's own host.
                s3={
                    "addressing_style": env.get(
                        "ONTONG_MEDIA_S3_ADDRESSING", "path" if endpoint else "auto"
                    )
                },
                signature_version="s3v4",
                connect_timeout=timeout,
                read_timeout=timeout * 6,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }


ONTONG_MEDIA_S3_BUCKET = os.environ.get("ONTONG_MEDIA_S3_BUCKET", "").strip()
if ONTONG_MEDIA_S3_BUCKET:
    STORAGES["default"] = media_s3_storage(os.environ)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

EMAIL_BACKEND = os.environ.get(
    "ONTONG_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("ONTONG_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("ONTONG_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("ONTONG_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("ONTONG_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ONTONG_EMAIL_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("ONTONG_FROM_EMAIL", "ontong@localhost")

# Outbound notices: attempts before a notice is marked failed, and the first retry delay.
ONTONG_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("ONTONG_DELIVERY_MAX_ATTEMPTS", "5"))
ONTONG_DELIVERY_RETRY_SECONDS = int(os.environ.get("ONTONG_DELIVERY_RETRY_SECONDS", "30"))

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("ONTONG_SSL_REDIRECT", True)
    # Load balancers probe these over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("ONTONG_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_FAILURE_VIEW = "ontong.web.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# No script but our own files: no inline script, no eval (htmx's allowEval is off in base.html).
# Inline style attributes stay allowed (they cannot run code); uploaded files carry their own
# stricter sandboxing policy (ontong.images.serve), which this one does not replace.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no page needs are off; location only for the citizen form's "내 위치".
ONTONG_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(self), payment=(), usb=(), serial=(), midi=(), "
    "display-capture=(), browsing-topics=()"
)

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # One JSON object per line (`ontong serve` turns it on): for log collectors.
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    # A skill URL's secret path segment never reaches the logs (ontong/logsecrets.py).
    "filters": {"redact": {"()": "ontong.logsecrets.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if env_bool("ONTONG_LOG_JSON", False) else "plain",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("ONTONG_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},  # request lines would repeat URLs into the logs
    },
}

# Days after a case is closed before its personal data is destroyed. Set it from the city's
# 기록관리기준표 (the legal period differs per city and task); 3 years is only a default.
ONTONG_RETENTION_DAYS = int(os.environ.get("ONTONG_RETENTION_DAYS", str(3 * 365)))

# Key for secrets stored in the database (Fernet, urlsafe base64 of 32 bytes). Empty: derived
# from the SECRET_KEY (rotating that then means entering page tokens again).
ONTONG_FIELD_KEY = os.environ.get("ONTONG_FIELD_KEY", "")
# Largest webhook body accepted (Meta batches up to 1000 updates).
ONTONG_WEBHOOK_MAX_BYTES = int(os.environ.get("ONTONG_WEBHOOK_MAX_BYTES", str(2 * 1024 * 1024)))
# Hosts photos may be fetched from (Meta's CDNs); nothing else is ever fetched.
ONTONG_MEDIA_HOSTS = env_list(
    "ONTONG_MEDIA_HOSTS", "fbcdn.net,fbsbx.com,cdninstagram.com,facebook.com,instagram.com"
)
ONTONG_MEDIA_MAX_BYTES = int(os.environ.get("ONTONG_MEDIA_MAX_BYTES", str(10 * 1024 * 1024)))
# Pixels one uploaded or fetched image may have (all frames of an animation together): a small
# file can declare a huge picture that takes gigabytes to decode.
ONTONG_IMAGE_MAX_PIXELS = int(os.environ.get("ONTONG_IMAGE_MAX_PIXELS", "40000000"))
# A queued notice or a stored webhook whose task has not run for this long is taken as lost (its
# worker killed) and queued again; the work is idempotent, so early is only wasteful.
ONTONG_STUCK_SECONDS = int(os.environ.get("ONTONG_STUCK_SECONDS", "120"))
# Stored webhooks one task processes in one transaction. SQLite has one writer: while a batch
# is processed every webhook's INSERT (and any page that writes) waits, so its batches are
# smaller (bench/ingest.py --task-workers 0,2; docs/benchmarks.md).
ONTONG_WEBHOOK_BATCH = max(
    1,
    int(
        os.environ.get(
            "ONTONG_WEBHOOK_BATCH",
            "10" if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else "20",
        )
    ),
)
# A send cut off mid-call (or answered too late) is settled after this long: by the channel's
# echo if one came, otherwise shown to a person (never sent twice silently).
ONTONG_SENDING_STUCK_SECONDS = int(os.environ.get("ONTONG_SENDING_STUCK_SECONDS", "600"))
# Bearer token for /metrics from outside the machine (empty: loopback only).
ONTONG_METRICS_TOKEN = os.environ.get("ONTONG_METRICS_TOKEN", "")
# The machine's shared Korean analyser (`ontong analyser`; `ontong serve` starts one and sets
# this for its workers). Empty: each process loads Kiwi itself.
ONTONG_ANALYSER_SOCKET = os.environ.get("ONTONG_ANALYSER_SOCKET", "")
ONTONG_GRAPH_URL = os.environ.get("ONTONG_GRAPH_URL", "https://graph.facebook.com/v25.0")
ONTONG_GRAPH_TIMEOUT = float(os.environ.get("ONTONG_GRAPH_TIMEOUT", "10"))
# Platform requests a worker makes at once for a batch of notices (notices.send_all); within
# Instagram's 100 calls/s at Graph's usual answer times. 1: one after another.
ONTONG_SEND_CONCURRENCY = max(1, int(os.environ.get("ONTONG_SEND_CONCURRENCY", "8")))
# KakaoTalk skill server (ontong/channels/kakao, docs/channels/kakao.md). Kakao waits 5 s for an
# answer: the conversation gets this many seconds, then the answer goes by callback (or later).
ONTONG_KAKAO_SKILL_BUDGET = float(os.environ.get("ONTONG_KAKAO_SKILL_BUDGET", "3"))
# The same utterance from the same citizen within this many seconds is Kakao's resend (no new case).
ONTONG_KAKAO_RESEND_SECONDS = float(os.environ.get("ONTONG_KAKAO_RESEND_SECONDS", "10"))
# A callbackUrl is valid for 1 minute after the request; later the answer goes as a notice.
ONTONG_KAKAO_CALLBACK_SECONDS = float(os.environ.get("ONTONG_KAKAO_CALLBACK_SECONDS", "55"))
# Days a skill request's raw body (what the citizen wrote) is kept after it was answered.
# The API call log (caller's address, key, path): an access record, kept two years (개인정보의
# 안전성 확보조치 기준 제8조), then deleted by the worker.
ONTONG_API_CALL_KEEP_DAYS = int(os.environ.get("ONTONG_API_CALL_KEEP_DAYS", "730"))
ONTONG_KAKAO_SKILL_KEEP_DAYS = int(os.environ.get("ONTONG_KAKAO_SKILL_KEEP_DAYS", "30"))
ONTONG_KAKAO_HTTP_TIMEOUT = float(os.environ.get("ONTONG_KAKAO_HTTP_TIMEOUT", "5"))
# Hosts of the 이미지 보안전송 플러그인's photos (https only; nothing else is fetched).
ONTONG_KAKAO_MEDIA_HOSTS = env_list(
    "ONTONG_KAKAO_MEDIA_HOSTS", "kakaocdn.net,kakao.com,kakao.co.kr,daumcdn.net"
)
# Hosts a skill request's callbackUrl may point at (Kakao's bot API, https only): the answer
# is POSTed there, so any other host (an internal address, a metadata service) is refused.
ONTONG_KAKAO_CALLBACK_HOSTS = env_list("ONTONG_KAKAO_CALLBACK_HOSTS", "kakao.com")
if DEBUG:  # the Kakao emulator serves its photos and callbacks on this machine (http, loopback)
    ONTONG_KAKAO_MEDIA_HOSTS.append("127.0.0.1")
    ONTONG_KAKAO_CALLBACK_HOSTS.append("127.0.0.1")
# SMS gateway for result notices when a messaging window has closed (empty: no SMS).
ONTONG_SMS_URL = os.environ.get("ONTONG_SMS_URL", "")
ONTONG_SMS_TOKEN = os.environ.get("ONTONG_SMS_TOKEN", "")
# Maps (ontong/geo.py). Tiles: an OpenStreetMap-compatible URL template, e.g. VWorld's
# "https://api.vworld.kr/req/wmts/1.0.0/<key>/Base/{z}/{y}/{x}.png" or "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
# empty (the default, the offline demo): no tiles, the 읍면동 boundaries only.
ONTONG_MAP_TILES = os.environ.get("ONTONG_MAP_TILES", "")
ONTONG_MAP_ATTRIBUTION = os.environ.get(
    "ONTONG_MAP_ATTRIBUTION", "경계: 통계청 SGIS (공공누리 제1유형)"
)
ONTONG_MAP_BOUNDARIES = os.environ.get("ONTONG_MAP_BOUNDARIES", "maps/seosan-emd.geojson")
ONTONG_MAP_CENTER = os.environ.get("ONTONG_MAP_CENTER", "36.7845,126.4503")  # 서산시청
ONTONG_MAP_ZOOM = int(os.environ.get("ONTONG_MAP_ZOOM", "11"))
# Reverse geocoder for the address of a pin: "" (off, the demo) or "vworld" (with a key).
ONTONG_GEOCODER = os.environ.get("ONTONG_GEOCODER", "")
ONTONG_VWORLD_KEY = os.environ.get("ONTONG_VWORLD_KEY", "")
ONTONG_VWORLD_URL = os.environ.get("ONTONG_VWORLD_URL", "https://api.vworld.kr/req/address")
ONTONG_GEOCODER_TIMEOUT = float(os.environ.get("ONTONG_GEOCODER_TIMEOUT", "3"))
if ONTONG_MAP_TILES:  # the tile server's host may serve the pages' images
    _tiles = urlsplit(ONTONG_MAP_TILES.replace("{s}.", ""))
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(
        f"{_tiles.scheme}://{'*.' if '{s}.' in ONTONG_MAP_TILES else ''}{_tiles.netloc}"
    )
# 알림톡 providers by name (chosen in the admin's 알림톡 설정); a city adds its own by dotted path.
ONTONG_ALIMTALK_PROVIDERS = {
    "nhn": "ontong.channels.alimtalk.providers.nhn.NhnCloudProvider",
    **json.loads(os.environ.get("ONTONG_ALIMTALK_PROVIDERS", "{}")),
}
# Auto-assign a new complaint when the top suggestion is at least this confident (0..1).
# 0 = suggest only (default): a person assigns.
ONTONG_AUTO_ASSIGN_CONFIDENCE = float(os.environ.get("ONTONG_AUTO_ASSIGN_CONFIDENCE", "0"))
ONTONG_RETRAIN_HOURS = float(os.environ.get("ONTONG_RETRAIN_HOURS", "24"))


# ---------------------------------------------------------------------------------------------
# Accounts (ontong/accounts): the client's address behind proxies, the shared cache that rate
# limits count in, login throttling, two-factor authentication, idle staff sessions.
# docs/configuration.md "계정 보안과 클라이언트 주소".
# ---------------------------------------------------------------------------------------------
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "ontong.accounts",
]
_after_messages = MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1
MIDDLEWARE[_after_messages:_after_messages] = [
    "django_otp.middleware.OTPMiddleware",
    "ontong.accounts.middleware.ExpireIdleStaffSessions",
    "ontong.accounts.middleware.RequireTwoFactor",
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # answers a locked-out login (admin too)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Proxies whose X-Forwarded-For is believed (CIDRs). The default is a proxy on this machine.
ONTONG_TRUSTED_PROXIES = env_list("ONTONG_TRUSTED_PROXIES", "127.0.0.1/32,::1/128")
RATELIMIT_IP_META_KEY = "ontong.accounts.network.ratelimit_ip"

# Rate limits must count in one place for every web process: production defaults to the
# database (no extra server), Redis when ONTONG_REDIS_URL is set; ONTONG_CACHE_BACKEND wins.
if "ONTONG_CACHE_BACKEND" not in os.environ:
    if os.environ.get("ONTONG_REDIS_URL"):
        CACHES["default"] = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["ONTONG_REDIS_URL"],
        }
    elif PRODUCTION:
        CACHES["default"] = {
            "BACKEND": "ontong.accounts.cache.DatabaseCache",
            "LOCATION": "ontong_cache",
        }
if (
    CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    and not PRODUCTION
):
    # Development runs one web process, where a per-process count is exact; production refuses.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
elif CACHES["default"]["BACKEND"] == "ontong.accounts.cache.DatabaseCache":
    # W001 only says the backend is not on django-ratelimit's list; what the list guards (an
    # atomic increment) this backend has and is tested for (accounts/tests/test_client_address.py).
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
    # Django culls a third of the entries past 300: the inbox's change versions (a key per
    # department and per person, decision 0004) and the rate limits need more room than that.
    CACHES["default"] = {**CACHES["default"], "OPTIONS": {"MAX_ENTRIES": 50_000}}
# The inbox poll's "nothing new" before Django (decision 0004) compares change versions that the
# web and task workers write: only with a cache they all share (the database or Redis).
ONTONG_FAST_POLL = env_bool(
    "ONTONG_FAST_POLL",
    CACHES["default"]["BACKEND"].rsplit(".", 1)[-1] not in {"LocMemCache", "DummyCache"},
)

# Login throttling (django-axes): this many failures for one account, or from one client, locks
# that account or client out for the cool-off; each failure is logged (admin: Axes › Access failures).
AXES_ENABLED = env_bool("ONTONG_LOGIN_THROTTLE", True)
AXES_VERBOSE = False  # its start-up banner is logged before `ontong serve` switches logs to JSON
AXES_FAILURE_LIMIT = int(os.environ.get("ONTONG_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ONTONG_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "ontong.accounts.network.client_ip"
AXES_USERNAME_CALLABLE = "ontong.accounts.network.lockout_username"
AXES_LOCKOUT_CALLABLE = "ontong.accounts.views.locked_out"

# Two-factor authentication (django-otp, TOTP + recovery codes). 민원총괄 and Django admin users
# always; these roles too (comma list of triage, officer, manager, pr, or "all").
ONTONG_2FA_ROLES = env_list("ONTONG_2FA_ROLES", "")
OTP_TOTP_ISSUER = f"온통 {CITY_NAME}"

# Staff sessions end after this many idle minutes (htmx polling is not activity).
ONTONG_STAFF_IDLE_MINUTES = int(os.environ.get("ONTONG_STAFF_IDLE_MINUTES", "30"))
# Publishing: a post is approved by someone other than its authors (four eyes); a one-person
# team may allow self-approval, which the post's history then records as such.
ONTONG_PUBLISHING_SELF_APPROVAL = env_bool("ONTONG_PUBLISHING_SELF_APPROVAL", False)
# Signed public links to a post's photos (what Meta fetches when we publish, and the blog export)
# stop working this long after they were made.
ONTONG_PUBLISHING_IMAGE_LINK_HOURS = float(
    os.environ.get("ONTONG_PUBLISHING_IMAGE_LINK_HOURS", "24")
)
