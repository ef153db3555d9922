"""Who may do what on which ids: the one place that answers "can this caller do permission P on these ids".

A caller is an `Actor`: a signed-in user, or the holder of a shared link (whose `user` is the link's owner, as in
Immich, but who is granted only what the link gives). Apps register grants here in their `AppConfig.ready`, each for
one permission (Immich's names: `asset.view`, `album.read`, `albumAsset.create`...) and one kind of actor; a grant
takes the actor and a set of ids and returns those it allows. The answer for a permission is the union of its grants
(owner, album member, partner, link...), so `assets` registers what an owner may do without knowing that albums or
sharing exist, and those apps add their ways in without `assets` importing them.

A permission nobody registered a grant for allows nothing. Every refusal is `NoAccess` (Immich's 400 "Not found or no
<permission> access"): another user's id answers like an unknown one, so nobody learns which ids exist."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from immich.errors import NoAccess


class LinkGrant(Protocol):
    """What a shared link carries into the checks (the `sharing` app's model)."""

    id: uuid.UUID
    user_id: uuid.UUID
    album_id: uuid.UUID | None
    allow_download: bool
    allow_upload: bool
    show_exif: bool
    unlocked: bool  # False while a password-protected link's password has not been given


@dataclass(frozen=True)
class Actor:
    user: Any  # accounts.User: for a link holder, the link's owner
    link: LinkGrant | None = None
    elevated: bool = False  # a session unlocked by the PIN: the owner's locked folder is open to it

    @property
    def is_link(self) -> bool:
        return self.link is not None


Grant = Callable[[Actor, set[uuid.UUID]], Iterable[uuid.UUID]]
USER = "user"
LINK = "link"

_grants: dict[tuple[str, str], list[Grant]] = {}
_scopes: dict[str, list[Callable[..., Any]]] = {}


def register(permission: str, grant: Grant, *, actor: str = USER) -> None:
    """Add a way of holding `permission` for actors of kind `actor` (USER or LINK)."""
    _grants.setdefault((permission, actor), []).append(grant)


_elevation: list[Callable[[Any], bool]] = []


def register_elevation(is_elevated: Callable[[Any], bool]) -> None:
    """How a request's credential is known to be unlocked by the PIN (accounts registers it)."""
    _elevation.append(is_elevated)


def actor_of(request) -> Actor:
    """The caller of an API request (authenticated: DRF's `request.user` and `request.auth`)."""
    auth = getattr(request, "auth", None)
    link = auth if getattr(auth, "is_shared_link", False) else None
    elevated = link is None and any(is_elevated(auth) for is_elevated in _elevation)
    return Actor(user=request.user, link=link, elevated=elevated)


def _as_uuid(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def allowed(actor: Actor, permission: str, ids: Iterable) -> set[uuid.UUID]:
    """The ids among `ids` that `actor` may act on with `permission`."""
    wanted = {parsed for parsed in map(_as_uuid, ids) if parsed is not None}
    granted: set[uuid.UUID] = set()
    for grant in _grants.get((permission, LINK if actor.is_link else USER), []):
        remaining = wanted - granted
        if not remaining:
            break
        granted.update(set(grant(actor, remaining)) & remaining)
    return granted


def require(actor: Actor, permission: str, ids: Iterable) -> None:
    """Raise NoAccess unless `actor` may act on every one of `ids`."""
    wanted = {_as_uuid(value) for value in ids}
    if None in wanted or not wanted <= allowed(actor, permission, wanted):
        raise NoAccess(permission)


def can(actor: Actor, permission: str, object_id) -> bool:
    return bool(allowed(actor, permission, [object_id]))


_upload_hooks: list[Callable[[Actor, uuid.UUID], None]] = []


def register_upload_hook(hook: Callable[[Actor, uuid.UUID], None]) -> None:
    """Called after an upload by a link holder (the link's app adds the asset to what the link shows)."""
    _upload_hooks.append(hook)


def upload_received(actor: Actor, asset_id) -> None:
    if actor.is_link:
        for hook in _upload_hooks:
            hook(actor, asset_id)


def register_scope(name: str, provider: Callable[..., Any]) -> None:
    """A named widening of a read that another app provides, such as the partners whose assets join a timeline
    ("timeline.partners": provider(user) -> user ids)."""
    _scopes.setdefault(name, []).append(provider)


def scope(name: str, *args, **kwargs) -> list:
    """Everything the providers of `name` answer, concatenated (nothing when no app provides it)."""
    return [item for provider in _scopes.get(name, []) for item in provider(*args, **kwargs)]
