"""The storage template language: parse, validate and render a template into a path relative to a user's library
folder. Pure: no ORM, no settings; the caller gives the values (an aware date already in the zone to format in).

Syntax (Immich's subset of Handlebars, compiled strictly): `{{var}}` (HTML-escaped as Handlebars does, so `&`
becomes `&amp;`), `{{{var}}}` (raw), `{{#if var}}...{{else}}...{{/if}}` (nestable), `{{! comment }}`. Variables:
the Luxon date tokens below, `album-startDate-<token>` / `album-endDate-<token>`, filename, ext, filetype,
filetypefull, assetId, assetIdShort, album, make, model, lensModel. Anything else is an error naming it.

Safety: values are sanitised before they reach the path (no `/`, `\\`, reserved or control characters, no `.` or
`..` names), every component is cut to 255 bytes of UTF-8 on a character boundary, `..` in a template is refused,
and the rendered path is relative: it can only name something below the folder the caller joins it to. The
extension (lower case, normalised) is always appended by `RenderedPath.file_name`, never written by the template.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

YEAR_OPTIONS = ("y", "yy")
MONTH_OPTIONS = ("M", "MM", "MMM", "MMMM")
WEEK_OPTIONS = ("W", "WW")
DAY_OPTIONS = ("d", "dd")
HOUR_OPTIONS = ("h", "hh", "H", "HH")
MINUTE_OPTIONS = ("m", "mm")
SECOND_OPTIONS = ("s", "ss", "SSS")
# Luxon's ISO week-year tokens: beyond the reference's lists, so that weeks can be filed under their own year
# ({{kkkk}}-W{{WW}}: 1 January 2021 is 2020-W53, where {{y}}-{{WW}} gives the contradictory 2021-53).
WEEK_YEAR_OPTIONS = ("kkkk", "kk")
DATE_TOKENS = (
    *YEAR_OPTIONS,
    *WEEK_YEAR_OPTIONS,
    *MONTH_OPTIONS,
    *WEEK_OPTIONS,
    *DAY_OPTIONS,
    *HOUR_OPTIONS,
    *MINUTE_OPTIONS,
    *SECOND_OPTIONS,
)
TEXT_VARIABLES = (
    "filename",
    "ext",
    "filetype",
    "filetypefull",
    "assetId",
    "assetIdShort",
    "album",
    "make",
    "model",
    "lensModel",
)
ALBUM_DATE_VARIABLES = tuple(f"album-{edge}-{token}" for edge in ("startDate", "endDate") for token in DATE_TOKENS)
VARIABLES = frozenset((*DATE_TOKENS, *TEXT_VARIABLES, *ALBUM_DATE_VARIABLES))

DEFAULT_TEMPLATE = "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}"
# Immich's `storagePresets`, in its order (the first is the default).
PRESETS = (
    "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
    "{{y}}/{{MM}}-{{dd}}/{{filename}}",
    "{{y}}/{{MMMM}}-{{dd}}/{{filename}}",
    "{{y}}/{{MM}}/{{filename}}",
    "{{y}}/{{#if album}}{{album}}{{else}}Other/{{MM}}{{/if}}/{{filename}}",
    "{{#if album}}{{album-startDate-y}}/{{album}}{{else}}{{y}}/Other/{{MM}}{{/if}}/{{filename}}",
    "{{y}}/{{MMM}}/{{filename}}",
    "{{y}}/{{MMMM}}/{{filename}}",
    "{{y}}/{{MM}}/{{dd}}/{{filename}}",
    "{{y}}/{{MMMM}}/{{dd}}/{{filename}}",
    "{{y}}/{{y}}-{{MM}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
    "{{y}}-{{MM}}-{{dd}}/{{filename}}",
    "{{y}}-{{MMM}}-{{dd}}/{{filename}}",
    "{{y}}-{{MMMM}}-{{dd}}/{{filename}}",
    "{{y}}/{{y}}-{{MM}}/{{filename}}",
    "{{y}}/{{y}}-{{WW}}/{{filename}}",
    "{{y}}/{{y}}-{{MM}}-{{dd}}/{{assetId}}",
    "{{y}}/{{y}}-{{MM}}/{{assetId}}",
    "{{y}}/{{y}}-{{WW}}/{{assetId}}",
    "{{album}}/{{filename}}",
    "{{make}}/{{model}}/{{lensModel}}/{{filename}}",
)


def template_options() -> dict[str, list[str]]:
    """The body of `GET /system-config/storage-template-options`, in the reference's shape."""
    return {
        "yearOptions": list(YEAR_OPTIONS),
        "monthOptions": list(MONTH_OPTIONS),
        "weekOptions": list(WEEK_OPTIONS),
        "dayOptions": list(DAY_OPTIONS),
        "hourOptions": list(HOUR_OPTIONS),
        "minuteOptions": list(MINUTE_OPTIONS),
        "secondOptions": list(SECOND_OPTIONS),
        "presetOptions": list(PRESETS),
    }


class TemplateError(ValueError):
    """The template cannot be used; the message says why in words an administrator can act on."""


# -- parsing ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Var:
    name: str
    escaped: bool


@dataclass(frozen=True)
class If:
    name: str
    then: tuple[Node, ...]
    otherwise: tuple[Node, ...]


Node = Text | Var | If


@dataclass(frozen=True)
class Template:
    source: str
    nodes: tuple[Node, ...]

    @cached_property
    def variables(self) -> frozenset[str]:
        found: set[str] = set()

        def walk(nodes: tuple[Node, ...]) -> None:
            for node in nodes:
                if isinstance(node, Var):
                    found.add(node.name)
                elif isinstance(node, If):
                    found.add(node.name)
                    walk(node.then)
                    walk(node.otherwise)

        walk(self.nodes)
        return frozenset(found)


_MUSTACHE = re.compile(r"\{\{\{(.*?)\}\}\}|\{\{(.*?)\}\}", re.DOTALL)


def _known(name: str) -> str:
    if name not in VARIABLES:
        raise TemplateError(
            f"Invalid storage template: unknown variable {{{{{name}}}}}. Known variables: date tokens "
            f"{', '.join(DATE_TOKENS)}; album-startDate-<token>, album-endDate-<token>; {', '.join(TEXT_VARIABLES)}"
        )
    return name


def parse(source: str) -> Template:
    """Parse and check a template; raises TemplateError naming the first problem."""
    if not isinstance(source, str) or not source.strip():
        raise TemplateError("Invalid storage template: the template is empty")
    root: list[Node] = []
    stack: list[tuple[str, list[Node], list[Node], list[Node]]] = []  # (name, then, otherwise, the list being filled)
    current = root
    position = 0
    for match in _MUSTACHE.finditer(source):
        _add_text(current, source[position : match.start()])
        position = match.end()
        raw, inner = match.group(1), match.group(2)
        if raw is not None:
            current.append(Var(_known(raw.strip()), escaped=False))
            continue
        expression = inner.strip()
        if expression.startswith("!"):
            continue
        if expression.startswith("#"):
            helper, _, argument = expression[1:].partition(" ")
            if helper != "if" or not argument.strip():
                raise TemplateError(
                    f"Invalid storage template: only {{{{#if variable}}}} blocks are supported, not {{{{{expression}}}}}"
                )
            then: list[Node] = []
            stack.append((_known(argument.strip()), then, [], current))
            current = then
        elif expression == "else":
            if not stack:
                raise TemplateError("Invalid storage template: {{else}} outside an {{#if}} block")
            name, then, otherwise, parent = stack[-1]
            if current is otherwise:
                raise TemplateError(f"Invalid storage template: two {{{{else}}}} in {{{{#if {name}}}}}")
            current = otherwise
        elif expression.startswith("/"):
            if expression[1:].strip() != "if" or not stack:
                raise TemplateError(f"Invalid storage template: {{{{{expression}}}}} closes no open {{{{#if}}}}")
            name, then, otherwise, parent = stack.pop()
            parent.append(If(name, tuple(then), tuple(otherwise)))
            current = parent
        else:
            current.append(Var(_known(expression), escaped=True))
    _add_text(current, source[position:])
    if stack:
        raise TemplateError(f"Invalid storage template: {{{{#if {stack[-1][0]}}}}} is not closed with {{{{/if}}}}")
    template = Template(source=source, nodes=tuple(root))
    _check_shape(template)
    return template


def _add_text(nodes: list[Node], text: str) -> None:
    if not text:
        return
    if "{{" in text:
        raise TemplateError(f"Invalid storage template: unclosed '{{{{' in {text.strip()!r}")
    nodes.append(Text(text))


def _check_shape(template: Template) -> None:
    literal = "".join(node.text for node in _all_text(template.nodes))
    if any(part.strip() == ".." for part in re.split(r"[/\\]", literal)):
        raise TemplateError("Invalid storage template: '..' would leave the library folder")
    last = template.nodes[-1]
    before = template.nodes[-2] if len(template.nodes) > 1 else None
    if isinstance(last, Var) and last.name == "ext" and isinstance(before, Text) and before.text.endswith("."):
        raise TemplateError(
            "Invalid storage template: the extension is appended automatically; remove '.{{ext}}' from the end "
            "(it would give names like IMG_0001.jpg.jpg)"
        )


def _all_text(nodes: Iterable[Node]) -> Iterator[Text]:
    for node in nodes:
        if isinstance(node, Text):
            yield node
        elif isinstance(node, If):
            yield from _all_text(node.then)
            yield from _all_text(node.otherwise)


def validate(source: str) -> str | None:
    """None when the template is usable, else the reason (for the system-config validator)."""
    try:
        template = parse(source)
        render(template, sample_values())
    except TemplateError as error:
        return str(error)
    return None


def lint(template: Template, values: TemplateValues | None = None) -> list[str]:
    """Pitfalls of a valid template, shown next to its preview (and with `values`, those of this asset)."""
    used = template.variables
    notes = []
    if used & set(WEEK_OPTIONS) and used & set(YEAR_OPTIONS) and not used & set(WEEK_YEAR_OPTIONS):
        notes.append(
            "{{W}}/{{WW}} are ISO weeks, which belong to the ISO week-year: 1 January 2021 is in week 53 of 2020, "
            "so {{y}}-{{WW}} files it under 2021-53. Use {{kkkk}} (ISO week-year) with weeks."
        )
    if values is not None:
        found = _substitutions(values)
        escaped: list[str] = []
        raw: list[str] = []
        _evaluate(template.nodes, found, escaped)
        _evaluate(template.nodes, found, raw, escape=False)
        if escaped != raw:
            notes.append(
                "{{variable}} is HTML-escaped as Handlebars does ('Tom & Jerry' becomes 'Tom &amp; Jerry'); write "
                "{{{variable}}} (three braces) to keep names as they are."
            )
    return notes


# -- values ----------------------------------------------------------------------------------------------------

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


_FORMATS = {
    "y": lambda t: str(t.year),
    "yy": lambda t: f"{t.year % 100:02d}",
    "kkkk": lambda t: f"{t.isocalendar()[0]:04d}",
    "kk": lambda t: f"{t.isocalendar()[0] % 100:02d}",
    "M": lambda t: str(t.month),
    "MM": lambda t: f"{t.month:02d}",
    "MMM": lambda t: _MONTHS[t.month - 1][:3],
    "MMMM": lambda t: _MONTHS[t.month - 1],
    "W": lambda t: str(t.isocalendar()[1]),
    "WW": lambda t: f"{t.isocalendar()[1]:02d}",
    "d": lambda t: str(t.day),
    "dd": lambda t: f"{t.day:02d}",
    "h": lambda t: str(t.hour % 12 or 12),
    "hh": lambda t: f"{t.hour % 12 or 12:02d}",
    "H": lambda t: str(t.hour),
    "HH": lambda t: f"{t.hour:02d}",
    "m": lambda t: str(t.minute),
    "mm": lambda t: f"{t.minute:02d}",
    "s": lambda t: str(t.second),
    "ss": lambda t: f"{t.second:02d}",
    "SSS": lambda t: f"{t.microsecond // 1000:03d}",
}


def format_date(moment: datetime, token: str) -> str:
    """One Luxon token (en-US), for the date's own wall clock."""
    return _FORMATS[token](moment)


_EXTENSION_ALIASES = {
    "jpeg": "jpg",
    "jpe": "jpg",
    "tif": "tiff",
    "3gpp": "3gp",
    "mpeg": "mpg",
    "mpe": "mpg",
    "m2ts": "mts",
    "m2t": "mts",
}


def normalise_extension(extension: str) -> str:
    extension = sanitize_component(extension.lstrip(".")).lower()
    return _EXTENSION_ALIASES.get(extension, extension)


_ILLEGAL = re.compile(r'[/?<>\\:*|"]')
_RESERVED = re.compile(r"^\.+$")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_TRAILING = re.compile(r"[. ]+$")
MAX_COMPONENT_BYTES = 255


def truncate_utf8(text: str, limit: int = MAX_COMPONENT_BYTES) -> str:
    """At most `limit` bytes of UTF-8, never cutting a character in two."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore")


def sanitize_component(text: str) -> str:
    """What `sanitize-filename` does (reserved and control characters, '.'/'..', Windows device names, trailing
    dots and spaces), plus every other control or line-separator character; '' when nothing usable is left."""
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs", "Zl", "Zp"))
    text = _ILLEGAL.sub("", text)
    if _RESERVED.match(text) or _WINDOWS_RESERVED.match(text):
        return ""
    text = _TRAILING.sub("", truncate_utf8(text.strip()))
    return "" if _RESERVED.match(text) else text


@dataclass(frozen=True)
class TemplateValues:
    """What a template can say about one asset. `taken` and the album dates are aware and already in the zone
    their wall clock should be read in."""

    asset_id: str
    taken: datetime
    original_file_name: str
    extension: str  # of the file as stored now, with or without the dot
    is_image: bool
    album: str | None = None
    album_start: datetime | None = None
    album_end: datetime | None = None
    make: str | None = None
    model: str | None = None
    lens_model: str | None = None


def sample_values() -> TemplateValues:
    """What validation renders with (Immich validates by rendering a sample asset)."""
    moment = datetime(2022, 2, 3, 4, 5, 6, 7000)
    return TemplateValues(
        asset_id="d587e44b-f8c0-4832-9ba3-43268bbf5d4e",
        taken=moment,
        original_file_name="IMG_123.jpg",
        extension="jpg",
        is_image=True,
        album="album",
        album_start=moment,
        album_end=moment,
        make="Canon",
        model="EOS R5",
        lens_model="RF 24-105mm",
    )


def _stem(original_file_name: str) -> str:
    name = original_file_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, _ = name.rpartition(".")
    return stem if dot and stem else name


def _substitutions(values: TemplateValues, needed: frozenset[str] = VARIABLES) -> dict[str, str]:
    """The values of the `needed` variables (those a template uses; date formatting is most of the cost)."""
    found = {token: format_date(values.taken, token) for token in DATE_TOKENS if token in needed}
    album = sanitize_component((values.album or "").replace(".", ""))
    if album:
        for edge, moment in (("startDate", values.album_start), ("endDate", values.album_end)):
            for token in DATE_TOKENS:
                name = f"album-{edge}-{token}"
                if name in needed:
                    found[name] = format_date(moment, token) if moment else ""
    text: dict[str, Callable[[], str]] = {
        "filename": lambda: sanitize_component(_stem(values.original_file_name)) or values.asset_id,
        "ext": lambda: normalise_extension(values.extension),
        "filetype": lambda: "IMG" if values.is_image else "VID",
        "filetypefull": lambda: "IMAGE" if values.is_image else "VIDEO",
        "assetId": lambda: values.asset_id,
        "assetIdShort": lambda: values.asset_id[-12:],
        "album": lambda: album,
        "make": lambda: sanitize_component(values.make or ""),
        "model": lambda: sanitize_component(values.model or ""),
        "lensModel": lambda: sanitize_component(values.lens_model or ""),
    }
    found.update((name, value()) for name, value in text.items() if name in needed)
    return found


_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "`": "&#x60;", "=": "&#x3D;"}
)


def _evaluate(nodes: Iterable[Node], found: dict[str, str], out: list[str], escape: bool = True) -> None:
    for node in nodes:
        if isinstance(node, Text):
            out.append(node.text)
        elif isinstance(node, Var):
            value = found.get(node.name, "")
            out.append(value.translate(_ESCAPES) if node.escaped and escape else value)
        else:
            _evaluate(node.then if found.get(node.name) else node.otherwise, found, out, escape)


@dataclass(frozen=True)
class RenderedPath:
    """A rendered template: folders below the library root, the file's stem and its lower-case extension."""

    folders: tuple[str, ...]
    stem: str
    extension: str

    def file_name(self, collision: int = 0) -> str:
        """`stem[+N].ext`, the stem shortened (on a character boundary) so the whole name fits in 255 bytes."""
        tail = (f"+{collision}" if collision else "") + (f".{self.extension}" if self.extension else "")
        room = MAX_COMPONENT_BYTES - len(tail.encode("utf-8"))
        return truncate_utf8(self.stem, room).rstrip(" ") + tail

    def relative(self, collision: int = 0) -> str:
        return "/".join((*self.folders, self.file_name(collision)))


def render(template: Template | str, values: TemplateValues) -> RenderedPath:
    if isinstance(template, str):
        template = parse(template)
    out: list[str] = []
    _evaluate(template.nodes, _substitutions(values, template.variables), out)
    components = []
    for part in "".join(out).split("/"):
        if part.strip() == "..":
            raise TemplateError("Invalid storage template: '..' would leave the library folder")
        clean = sanitize_component(part)
        if clean:
            components.append(clean)
    stem = components.pop() if components else values.asset_id
    return RenderedPath(folders=tuple(components), stem=stem, extension=normalise_extension(values.extension))
