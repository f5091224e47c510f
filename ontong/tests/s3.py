"""A local S3 for the tests of the media store on an object store (ONTONG_MEDIA_S3_BUCKET): moto's
server on a free loopback port, one new private bucket per test, and Django's default storage
pointed at it through the same settings function production uses (settings.media_s3_storage)."""

import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

REGION = "ap-northeast-2"


@dataclass
class S3Media:
    endpoint: str
    bucket: str
    env: dict[str, str]  # the ONTONG_MEDIA_S3_* a server process is started with
    client: Any  # boto3's S3 client on the same bucket

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def exists(self, key: str) -> bool:
        return key in self.keys()

    def public_grants(self, key: str) -> list[dict]:
        """Grants of the object to anyone beyond its owner (AllUsers, AuthenticatedUsers)."""
        grants = self.client.get_object_acl(Bucket=self.bucket, Key=key)["Grants"]
        return [g for g in grants if g["Grantee"].get("Type") == "Group"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server_module = pytest.importorskip(
        "moto.server", reason="moto[server] is not installed: pip install -e '.[dev]'"
    )
    pytest.importorskip("storages", reason="django-storages is not installed: the s3 extra")
    server = server_module.ThreadedMotoServer(
        ip_address="127.0.0.1", port=free_port(), verbose=False
    )
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def new_bucket(endpoint: str) -> S3Media:
    import boto3  # why: only installed with the s3 extra

    env = {
        "ONTONG_MEDIA_S3_BUCKET": f"ontong-media-{secrets.token_hex(4)}",
        "ONTONG_MEDIA_S3_ENDPOINT_URL": endpoint,
        "ONTONG_MEDIA_S3_REGION": REGION,
        "ONTONG_MEDIA_S3_ACCESS_KEY": "ontong-test",
        "ONTONG_MEDIA_S3_SECRET_KEY": "ontong-test-secret",
    }
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=env["ONTONG_MEDIA_S3_ACCESS_KEY"],
        aws_secret_access_key=env["ONTONG_MEDIA_S3_SECRET_KEY"],
    )
    bucket = env["ONTONG_MEDIA_S3_BUCKET"]
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return S3Media(endpoint=endpoint, bucket=bucket, env=env, client=client)


@pytest.fixture
def s3_media(moto_endpoint, settings) -> S3Media:
    """Django's default storage on a new bucket of the local S3 for this test."""
    from ontong.settings import media_s3_storage

    store = new_bucket(moto_endpoint)
    settings.STORAGES = {**settings.STORAGES, "default": media_s3_storage(store.env)}
    settings.ONTONG_MEDIA_S3_BUCKET = store.bucket
    return store
