"""The access-control matrix for link holders (issue 21, item 7): a holder of a link to the victim's album (which
holds `image`) calls every operation of the schema with the link's key, as an album link without downloads, with
downloads, locked by a password not yet given, and expired. The holder reaches the album and its photo as the link
allows, and nothing else: operations that do not take links answer 403, an expired link 401 everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from sharing.models import SharedLink
from tests.security.conftest import snapshot
from tests.security.matrix import RULES, Access, request_for, schema_operations, send
from tests.security.shared_world import (  # noqa: F401  (fixtures, see there)
    shared_media_root,
    victim,
    victim_user,
    worlds,
)
from tests.security.test_access_matrix import _content, _victim_ids, assert_nothing_leaked

pytestmark = pytest.mark.django_db

# What the holder of an album link reaches, by kind of link; any operation not listed answers 403 (it takes no links).
LINK_REACH: dict[str, dict[str, int]] = {
    "GET /api/assets/{asset_id}": {"link": 200, "download": 200},
    "GET /api/assets/{asset_id}/thumbnail": {"link": 200, "download": 200},
    "GET /api/assets/{asset_id}/original": {"link": 400, "download": 200},
    "GET /api/assets/{asset_id}/video/playback": {"link": 400, "download": 400},  # reached; the photo is no video
    "GET /api/albums/{album_id}": {"link": 200, "download": 200},
    "GET /api/timeline/buckets": {"link": 200, "download": 200},  # the album's filter names the victim's own album
    "GET /api/timeline/bucket": {"link": 200, "download": 200},
    "POST /api/assets": {"link": 401, "download": 401},  # uploads not allowed by this link
    "GET /api/shared-links/me": {"link": 200, "download": 200, "locked": 401},
    "POST /api/download/info": {"link": 400, "download": 201},
    "POST /api/download/archive": {"link": 400, "download": 200},
    "POST /api/shared-links/login": {"link": 400, "download": 400, "locked": 401},  # none set; a wrong one
}
TAKES_LINKS = set(LINK_REACH)

OPERATIONS = [op for op in schema_operations() if RULES.get(op) and RULES[op].access in (Access.USER, Access.ADMIN)]


def _expected(operation: str, variant: str) -> int:
    if variant == "expired":
        return 401
    if variant == "locked":
        return LINK_REACH.get(operation, {}).get("locked", 401 if operation in TAKES_LINKS else 403)
    return LINK_REACH.get(operation, {}).get(variant, 403)


@pytest.mark.parametrize("variant", ["link", "download", "locked", "expired"])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_link_holder_reaches_what_the_link_shows_and_nothing_else(api, victim, media_root, operation, variant):
    fields = {"type": "ALBUM", "albumId": victim.ids["album"], "allowDownload": variant == "download"}
    if variant == "locked":
        fields["password"] = "let-me-in"
    link = api.post("/api/shared-links", fields, format="json").json()
    if variant == "expired":
        SharedLink.objects.filter(pk=link["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    holder = APIClient()
    holder.credentials(HTTP_X_IMMICH_SHARE_KEY=link["key"])
    rule = RULES[operation]
    ids = {**_victim_ids(victim), "album": victim.ids["album"]}
    query = {"albumId": victim.ids["album"]} if operation.startswith("GET /api/timeline") else {}
    rule = type(rule)(rule.access, rule.owned, rule.body, {**rule.query, **query}, rule.expect, rule.multipart)
    sent = request_for(operation, rule, path_ids=victim.ids, ids=ids)
    before = snapshot(victim.user, media_root)
    response = send(holder, sent)
    content = _content(response)
    assert response.status_code == _expected(operation, variant), content[:300]
    assert snapshot(victim.user, media_root) == before
    if response.status_code >= 400:
        assert_nothing_leaked(content, victim, sent.text())
