"""What other apps hear from the metadata step, registered from their AppConfig.ready so that assets import none of
them: the keywords read from a file (the tags app turns them into tags)."""

from __future__ import annotations

from collections.abc import Callable

from assets.models import Asset

# (asset, keywords as "/"-separated paths), inside the step's transaction; only called when the file has keywords.
KeywordsHook = Callable[[Asset, tuple[str, ...]], None]
_keyword_hooks: list[KeywordsHook] = []


def on_keywords_read(hook: KeywordsHook) -> None:
    _keyword_hooks.append(hook)


def keywords_read(asset: Asset, keywords: tuple[str, ...]) -> None:
    if keywords:
        for hook in _keyword_hooks:
            hook(asset, keywords)
