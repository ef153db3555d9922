"""Exclusion globs compiled to an automaton that never backtracks.

Python's `re` backtracks: `*a*a*a*a*a*a*a*a*a*a*a*a*b` as a regex took 93 s on a 35-character name, and a
200-character name pinned a scan's worker until it was killed (issue 26, item 12). Here every library's patterns
become one nondeterministic automaton (Thompson's construction, built straight from the glob), run as a
deterministic one built lazily: each character of a path moves one set of states to the next, looked up in a cache
after the first time, so a match costs at most (path length x pattern length) steps whatever the pattern, and one
dictionary lookup per character once the cache is warm.

The glob semantics are `libraries.matcher`'s (its docstring lists them); matching is of the whole path, without
case (the path and the pattern are lower-cased; a character class also accepts the upper-case form).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


class InvalidPattern(ValueError):
    pass


@dataclass(frozen=True)
class CharTest:
    """What one character must be: `char` (a literal), `segment` (anything but '/'), `any`, or `class`."""

    kind: str
    char: str = ""
    ranges: tuple[tuple[str, str], ...] = ()
    negate: bool = False

    def accepts(self, ch: str) -> bool:
        if self.kind == "char":
            return ch == self.char
        if self.kind == "any":
            return True
        if ch == "/":  # `*`, `?` and classes stay within one path segment
            return False
        if self.kind == "segment":
            return True
        inside = any(low <= form <= high for form in (ch, ch.upper()) for low, high in self.ranges)
        return inside != self.negate


SEGMENT = CharTest("segment")
ANY = CharTest("any")
SLASH = CharTest("char", "/")


@dataclass
class Item:
    """One piece of a parsed glob: `one` character passing `test`, a `run` of any number of them, an `optional`
    sequence (branches[0]), or `either` of the branches."""

    kind: str
    test: CharTest = ANY
    branches: list[list[Item]] = field(default_factory=list)


def _class(pattern: str, start: int) -> tuple[CharTest, int]:
    """`[...]` starting at `start` ('!' or '^' negates, `a-z` ranges, '\\' escapes); the test and the index after
    the closing ']'."""
    index = start + 1
    negate = index < len(pattern) and pattern[index] in "!^"
    index += negate
    chars: list[str] = []
    first = True
    while index < len(pattern) and (pattern[index] != "]" or first):
        if pattern[index] == "\\" and index + 1 < len(pattern):
            index += 1
        chars.append(pattern[index].lower())
        index += 1
        first = False
    if index >= len(pattern):
        raise InvalidPattern(f"unclosed '[' in {pattern!r}")
    ranges: list[tuple[str, str]] = []
    position = 0
    while position < len(chars):
        if position + 2 < len(chars) and chars[position + 1] == "-":
            low, high = chars[position], chars[position + 2]
            if low > high:
                raise InvalidPattern(f"bad range {low}-{high} in {pattern!r}")
            ranges.append((low, high))
            position += 3
        else:
            ranges.append((chars[position], chars[position]))
            position += 1
    return CharTest("class", ranges=tuple(ranges), negate=negate), index + 1


def _globstar(pattern: str, index: int, items: list[Item]) -> tuple[Item, int] | None:
    """`**` as whole segments: `**/` any number of folders, a final `**` (or `/**`) anything; else None."""
    if index and pattern[index - 1] not in "/{,":
        return None
    after = index + 2
    if after < len(pattern) and pattern[after] == "/":
        return Item("optional", branches=[[Item("run", ANY), Item("one", SLASH)]]), after + 1
    if after == len(pattern) or pattern[after] in "},":
        if items and items[-1] == Item("one", SLASH):
            items.pop()  # a trailing `/**` also matches the folder itself
            return Item("optional", branches=[[Item("one", SLASH), Item("run", ANY)]]), after
        return Item("run", ANY), after
    return None


def parse(pattern: str) -> list[Item]:
    """The items of one glob (a relative pattern is made `**/`-prefixed: it matches at any depth)."""
    if not pattern:
        raise InvalidPattern("an exclusion pattern cannot be empty")
    if not pattern.startswith(("/", "**")):
        pattern = "**/" + pattern
    # Each open '{': the items it sits in, and its branches so far (the last one is being read).
    open_braces: list[tuple[list[Item], list[list[Item]]]] = []
    items: list[Item] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            globstar = _globstar(pattern, index, items) if pattern.startswith("**", index) else None
            if globstar:
                item, index = globstar
                items.append(item)
                continue
            items.append(Item("run", SEGMENT))
            index += 2 if pattern.startswith("**", index) else 1
            continue
        if char == "[":
            test, index = _class(pattern, index)
            items.append(Item("one", test))
            continue
        if char == "{":
            branches: list[list[Item]] = [[]]
            open_braces.append((items, branches))
            items = branches[0]
        elif char == "," and open_braces:
            items = []
            open_braces[-1][1].append(items)
        elif char == "}" and open_braces:
            enclosing, branches = open_braces.pop()
            enclosing.append(Item("either", branches=branches))
            items = enclosing
        elif char == "?":
            items.append(Item("one", SEGMENT))
        else:
            if char == "\\" and index + 1 < len(pattern):
                index += 1
            items.append(Item("one", CharTest("char", pattern[index].lower())))
        index += 1
    if open_braces:
        raise InvalidPattern(f"unbalanced '{{' in {pattern!r}")
    return items


class _Builder:
    """Thompson's construction, from the end: each item is compiled knowing the state that follows it."""

    def __init__(self) -> None:
        self.tests: list[CharTest | None] = []  # a state that reads one character, or None
        self.next: list[int] = []  # where that character leads
        self.free: list[tuple[int, ...]] = []  # the states reached without reading (epsilon moves)

    def state(self, test: CharTest | None = None, following: int = -1, free: tuple[int, ...] = ()) -> int:
        self.tests.append(test)
        self.next.append(following)
        self.free.append(free)
        return len(self.tests) - 1

    def sequence(self, items: list[Item], following: int) -> int:
        for item in reversed(items):
            if item.kind == "one":
                following = self.state(item.test, following)
            elif item.kind == "run":
                loop = self.state()
                reader = self.state(item.test, loop)
                self.free[loop] = (reader, following)
                following = loop
            elif item.kind == "optional":
                following = self.state(free=(self.sequence(item.branches[0], following), following))
            else:
                following = self.state(free=tuple(self.sequence(branch, following) for branch in item.branches))
        return following


class GlobSet:
    """Whether a path matches any of a set of globs, in time linear in the path (see the module docstring)."""

    MAX_CACHED_STATES = 4096  # past this many sets the cache starts again (memory stays bounded)

    def __init__(self, patterns: Iterable[str]) -> None:
        builder = _Builder()
        self._accept = builder.state()
        starts = tuple(builder.sequence(parse(pattern), self._accept) for pattern in patterns)
        self._start = builder.state(free=starts)
        self._tests, self._next, self._free = builder.tests, builder.next, builder.free
        self._reset()

    def _reset(self) -> None:
        self._ids: dict[frozenset[int], int] = {}
        self._sets: list[frozenset[int]] = []
        self._moves: list[dict[str, int]] = []
        self._start_id = self._id(self._closure((self._start,)))

    def _closure(self, states: Iterable[int]) -> frozenset[int]:
        seen: set[int] = set()
        todo = list(states)
        while todo:
            state = todo.pop()
            if state not in seen:
                seen.add(state)
                todo.extend(self._free[state])
        return frozenset(seen)

    def _id(self, states: frozenset[int]) -> int:
        known = self._ids.get(states)
        if known is None:
            known = self._ids[states] = len(self._sets)
            self._sets.append(states)
            self._moves.append({})
        return known

    def _step(self, current: int, ch: str) -> int:
        reached = []
        for state in self._sets[current]:
            test = self._tests[state]
            if test is not None and test.accepts(ch):
                reached.append(self._next[state])
        return self._id(self._closure(reached))

    def matches(self, path: str) -> bool:
        if len(self._sets) > self.MAX_CACHED_STATES:
            self._reset()
        current = self._start_id
        for ch in path.lower():
            moves = self._moves[current]
            following = moves.get(ch)
            if following is None:
                following = moves[ch] = self._step(current, ch)
            if not self._sets[following]:
                return False  # no pattern can match any more
            current = following
        return self._accept in self._sets[current]
