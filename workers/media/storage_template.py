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
The vocabulary, the presets and the values of the variables are `template_values`'.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from workers.media.template_values import (
    DATE_TOKENS,
    MAX_COMPONENT_BYTES,
    TEXT_VARIABLES,
    VARIABLES,
    WEEK_OPTIONS,
    WEEK_YEAR_OPTIONS,
    YEAR_OPTIONS,
    TemplateValues,
    normalise_extension,
    sample_values,
    sanitize_component,
    substitutions,
    truncate_utf8,
)


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
        found = substitutions(values)
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
    _evaluate(template.nodes, substitutions(values, template.variables), out)
    components = []
    for part in "".join(out).split("/"):
        if part.strip() == "..":
            raise TemplateError("Invalid storage template: '..' would leave the library folder")
        clean = sanitize_component(part)
        if clean:
            components.append(clean)
    stem = components.pop() if components else values.asset_id
    return RenderedPath(folders=tuple(components), stem=stem, extension=normalise_extension(values.extension))
