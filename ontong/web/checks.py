"""Deploy checks (`ontong check --deploy`): what would make a production server answer 500."""

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error, Tags, register
from django.core.files.storage import storages

SHOWN = 5


@register(Tags.staticfiles, deploy=True)
def static_manifest(app_configs=None, **kwargs) -> list[Error]:
    """With hashed static files every page looks its CSS and JS up in the manifest written by
    `ontong collectstatic`; without it (or with one older than the code) every page is a 500."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return []
    if not storage.manifest_storage.exists(storage.manifest_name):
        return [
            Error(
                f"정적 파일 목록({storage.manifest_name})이 {storage.location}에 없습니다: "
                "모든 화면이 500으로 답합니다.",
                hint="ontong collectstatic --noinput 을 실행하세요 (docs/deployment.md).",
                id="ontong.E001",
            )
        ]
    collected, _hash = storage.load_manifest()
    missing = sorted(path for path in source_static_files() if path not in collected)
    if missing:
        return [
            Error(
                f"정적 파일 {len(missing)}개가 목록에 없습니다 (예: {', '.join(missing[:SHOWN])}): "
                "이 파일을 쓰는 화면이 500으로 답합니다.",
                hint="업그레이드 뒤 ontong collectstatic --noinput 을 다시 실행하세요.",
                id="ontong.E002",
            )
        ]
    return []


def source_static_files() -> set[str]:
    """Every static path the finders know (what collectstatic would collect)."""
    paths = set()
    for finder in finders.get_finders():
        for path, _storage in finder.list(["CVS", ".*", "*~"]):
            paths.add(path.replace("\\", "/"))
    return paths
