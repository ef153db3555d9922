"""The one matcher the scan and the watcher share: which paths of a library are its media, its sidecars, or
skipped (hidden or excluded).

Exclusion patterns are globs matched against absolute paths, case-insensitively (as the reference's fast-glob
and picomatch do with `nocase`; the patterns themselves are never rewritten):
  `*` any run of characters within one path segment, `?` one such character, `[abc]` / `[!abc]` classes,
  `**` any number of whole segments, `{a,b,c}` alternatives (nestable, may hold `/` and other globs).
A pattern that is neither absolute nor starts with `**` matches at any depth (`@eaDir/**` is `**/@eaDir/**`).
A folder is pruned when a pattern matches the folder itself, or everything below it (`<pattern>/**`).
Patterns are matched by `libraries.globs`, an automaton that never backtracks (linear in the path's length).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from assets import media_types
from libraries.globs import GlobSet, InvalidPattern, parse

SIDECAR_EXTENSION = ".xmp"


def pattern_problem(pattern: str) -> str | None:
    try:
        parse(pattern)
    except InvalidPattern as error:
        return str(error)
    return None


@dataclass(frozen=True)
class Matcher:
    exclusion_patterns: tuple[str, ...] = ()

    @cached_property
    def _excluded(self) -> GlobSet | None:
        return GlobSet(self.exclusion_patterns) if self.exclusion_patterns else None

    @staticmethod
    def is_hidden(name: str) -> bool:
        return name.startswith(".")

    @staticmethod
    def kind_of(name: str) -> str | None:
        """ "media", "sidecar", or None for any other file name."""
        dot = name.rfind(".")
        if dot <= 0:
            return None
        extension = name[dot:].lower()
        if extension == SIDECAR_EXTENSION:
            return "sidecar"
        if extension in _MEDIA_EXTENSIONS:
            return "media"
        return None

    def is_excluded(self, path: str) -> bool:
        return self._excluded is not None and self._excluded.matches(path)

    def prunes_folder(self, path: str) -> bool:
        """Whether a folder is skipped whole: hidden, or excluded itself or everything under it."""
        name = path.rsplit("/", 1)[-1]
        if self.is_hidden(name):
            return True
        return self._excluded is not None and (self._excluded.matches(path) or self._excluded.matches(path + "/\x00"))

    def has_hidden_part(self, path: str, root: str) -> bool:
        relative = path[len(root) :].strip("/")
        return any(self.is_hidden(part) for part in relative.split("/") if part)

    def accepts(self, path: str, root: str) -> str | None:
        """The kind of a file under `root` the library takes ("media"/"sidecar"), or None when it is skipped."""
        name = path.rsplit("/", 1)[-1]
        kind = self.kind_of(name)
        if kind is None or self.has_hidden_part(path, root) or self.is_excluded(path):
            return None
        return kind


_MEDIA_EXTENSIONS = frozenset(media_types.IMAGE_EXTENSIONS + media_types.VIDEO_EXTENSIONS)
