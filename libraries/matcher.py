"""The one matcher the scan and the watcher share: which paths of a library are its media, its sidecars, or
skipped (hidden or excluded).

Exclusion patterns are globs matched against absolute paths, case-insensitively (as the reference's fast-glob
and picomatch do with `nocase`; the patterns themselves are never rewritten):
  `*` any run of characters within one path segment, `?` one such character, `[abc]` / `[!abc]` classes,
  `**` any number of whole segments, `{a,b,c}` alternatives (nestable, may hold `/` and other globs).
A pattern that is neither absolute nor starts with `**` matches at any depth (`@eaDir/**` is `**/@eaDir/**`).
A folder is pruned when a pattern matches the folder itself, or everything below it (`<pattern>/**`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from assets import media_types

SIDECAR_EXTENSION = ".xmp"


class InvalidPattern(ValueError):
    pass


def _class(pattern: str, start: int) -> tuple[str, int]:
    """Translate `[...]` starting at `start`; returns the regex and the index after `]`."""
    end = start + 1
    if end < len(pattern) and pattern[end] in "!^":
        end += 1
    if end < len(pattern) and pattern[end] == "]":
        end += 1
    while end < len(pattern) and pattern[end] != "]":
        end += 1
    if end >= len(pattern):
        raise InvalidPattern(f"unclosed '[' in {pattern!r}")
    body = pattern[start + 1 : end]
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    body = body.replace("\\", "\\\\")
    return (f"[^/{body}]" if negate else f"[{body}]"), end + 1


def glob_to_regex(pattern: str) -> str:
    """The regex (without anchors) for one glob."""
    if not pattern:
        raise InvalidPattern("an exclusion pattern cannot be empty")
    if not pattern.startswith(("/", "**")):
        pattern = "**/" + pattern
    out: list[str] = []
    depth = 0
    index = 0
    length = len(pattern)
    while index < length:
        char = pattern[index]
        if char == "*":
            if pattern.startswith("**", index):
                before_ok = index == 0 or pattern[index - 1] in "/{,"
                after = index + 2
                if before_ok and after < length and pattern[after] == "/":
                    out.append("(?:.*/)?")
                    index = after + 1
                    continue
                if before_ok and (after == length or pattern[after] in "},"):
                    # A trailing `/**` also matches the folder itself.
                    if out and out[-1] == "/":
                        out[-1] = "(?:/.*)?"
                    else:
                        out.append(".*")
                    index = after
                    continue
                out.append("[^/]*")
                index = after
                continue
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            regex, index = _class(pattern, index)
            out.append(regex)
            continue
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        elif char == "," and depth:
            out.append("|")
        elif char == "\\" and index + 1 < length:
            index += 1
            out.append(re.escape(pattern[index]))
        else:
            out.append("/" if char == "/" else re.escape(char))
        index += 1
    if depth:
        raise InvalidPattern(f"unbalanced '{{' in {pattern!r}")
    return "".join(out)


def compile_patterns(patterns: Iterable[str]) -> re.Pattern | None:
    regexes = [glob_to_regex(pattern) for pattern in patterns]
    if not regexes:
        return None
    return re.compile("(?:" + "|".join(f"(?:{regex})" for regex in regexes) + r")\Z", re.IGNORECASE | re.DOTALL)


def pattern_problem(pattern: str) -> str | None:
    try:
        re.compile(glob_to_regex(pattern))
    except (InvalidPattern, re.error) as error:
        return str(error)
    return None


@dataclass(frozen=True)
class Matcher:
    exclusion_patterns: tuple[str, ...] = ()

    @cached_property
    def _excluded(self) -> re.Pattern | None:
        return compile_patterns(self.exclusion_patterns)

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
        return self._excluded is not None and self._excluded.match(path) is not None

    def prunes_folder(self, path: str) -> bool:
        """Whether a folder is skipped whole: hidden, or excluded itself or everything under it."""
        name = path.rsplit("/", 1)[-1]
        if self.is_hidden(name):
            return True
        return self._excluded is not None and (
            self._excluded.match(path) is not None or self._excluded.match(path + "/\x00") is not None
        )

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
