"""A corpus for the metadata agreement bench: files of every format the server reads, tagged by exiftool where
cameras, phones and editors put their tags (EXIF, XMP, IPTC, QuickTime keys, sidecars), chosen at random from a
seed so each run can use another corpus than the tests'. Made in a temporary folder, never kept in the repository.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

from tests.media_factories import make_dng, make_exif_jpeg, make_heif, make_image, make_video

CITIES = [  # (latitude, longitude): places in zones with and without summer time, both hemispheres
    (48.8584, 2.2945),
    (-33.8568, 151.2153),
    (40.7128, -74.0060),
    (35.6762, 139.6503),
    (28.6139, 77.2090),
    (-23.5505, -46.6333),
    (64.1466, -21.9426),
    (-41.2865, 174.7762),
    (27.7172, 85.3240),
    (51.5072, -0.1276),
    (34.0522, -118.2437),
    (-1.2921, 36.8219),
]
CAMERAS = [("Canon", "EOS R5", "RF24-105mm F4 L IS USM"), ("NIKON CORPORATION", "NIKON Z 6", "NIKKOR Z 24-70mm f/4 S")]
CAMERAS += [
    ("Apple", "iPhone 15 Pro", "iPhone 15 Pro back triple camera 6.86mm f/1.78"),
    ("SONY", "ILCE-7M4", "FE 35mm F1.8"),
]
IMAGE_FORMATS = ("jpeg", "jpeg", "jpeg", "tiff", "png", "webp", "heic", "dng")
VIDEO_FORMATS = ("mp4", "mov")


def _date(rng: random.Random) -> str:
    return (
        f"{rng.randint(2005, 2024)}:{rng.randint(1, 12):02d}:{rng.randint(1, 28):02d} "
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    )


def _offset(rng: random.Random) -> str:
    hours = rng.choice([-8, -5, -3, 0, 1, 2, 5, 9, 10, 12])
    minutes = rng.choice([0, 0, 0, 30]) if hours in (5, 9, -3) else 0
    sign = "-" if hours < 0 else "+"
    short = rng.random() < 0.2
    return f"{sign}{abs(hours)}:{minutes:02d}" if short else f"{sign}{abs(hours):02d}:{minutes:02d}"


def _gps(rng: random.Random) -> list[str]:
    latitude, longitude = rng.choice(CITIES)
    return [
        f"GPSLatitude={abs(latitude)}",
        f"GPSLatitudeRef={'S' if latitude < 0 else 'N'}",
        f"GPSLongitude={abs(longitude)}",
        f"GPSLongitudeRef={'W' if longitude < 0 else 'E'}",
    ]


def _image_dates(rng: random.Random, iptc: bool) -> list[str]:
    choice = rng.choice(["exif", "exif+offset", "exif+subsec", "xmp", "photoshop", "iptc", "create", "xmp+create"])
    if choice == "iptc" and not iptc:
        choice = "exif"
    date = _date(rng)
    day, time = date.split(" ")
    return {
        "exif": [f"EXIF:DateTimeOriginal={date}"],
        "exif+offset": [f"EXIF:DateTimeOriginal={date}", f"EXIF:OffsetTimeOriginal={_offset(rng)}"],
        "exif+subsec": [f"EXIF:DateTimeOriginal={date}", f"EXIF:SubSecTimeOriginal={rng.randint(1, 999)}"],
        "xmp": [f"XMP-exif:DateTimeOriginal={date}"],
        "photoshop": [f"XMP-photoshop:DateCreated={date}{_offset(rng)}"],
        "iptc": [f"IPTC:DateCreated={day}", f"IPTC:TimeCreated={time}{_offset(rng)}"],
        "create": [f"EXIF:CreateDate={date}"],
        "xmp+create": [f"XMP-exif:DateTimeOriginal={date}", f"EXIF:CreateDate={_date(rng)}"],
    }[choice]


def _image_text(rng: random.Random, iptc: bool) -> list[str]:
    tags = []
    places = ["EXIF:ImageDescription", "XMP-dc:Description"] + (["IPTC:Caption-Abstract"] if iptc else [])
    for place in rng.sample(places, rng.randint(0, len(places))):
        tags.append(f"{place}={place.split(':')[0].lower()} words {rng.randint(1, 99)}")
    ratings = rng.sample(["EXIF:Rating", "XMP-xmp:Rating"], rng.randint(0, 2))
    tags += [f"{place}={rng.randint(0, 5)}" for place in ratings]
    keyword_places = ["XMP-dc:Subject", "XMP-lr:HierarchicalSubject"] + (["IPTC:Keywords"] if iptc else [])
    for place in rng.sample(keyword_places, rng.randint(0, 2)):
        words = rng.sample(["Sea", "Family", "Trip|Rome", "Night", "Dog"], 2)
        if not place.endswith("HierarchicalSubject"):
            words = [word.replace("|", " ") for word in words]
        tags += [f"{place}={word}" for word in words]
    return tags


def image_tags(rng: random.Random, fmt: str) -> list[str]:
    iptc = fmt in ("jpeg", "tiff")
    make, model, lens = rng.choice(CAMERAS)
    tags = [f"Make={make}", f"Model={model}"] if fmt != "dng" else []
    tags += [f"LensModel={lens}", f"FNumber={rng.choice([1.8, 2.8, 4, 5.6, 8])}"]
    tags += [
        f"ExposureTime={rng.choice(['1/250', '1/60', '1/4000', '0.5', '2'])}",
        f"ISO={rng.choice([100, 400, 3200])}",
    ]
    tags += [f"FocalLength={rng.choice([24, 35, 50, 6.86])}"]
    tags += _image_dates(rng, iptc)
    if rng.random() < 0.6:
        tags += _gps(rng)
    if fmt in ("jpeg", "tiff") and rng.random() < 0.3:
        tags.append(f"Orientation#={rng.choice([1, 3, 6, 8])}")
    if fmt == "jpeg" and rng.random() < 0.1:
        tags.append("XMP-GPano:ProjectionType=equirectangular")
    return tags + _image_text(rng, iptc)


def video_tags(rng: random.Random) -> list[str]:
    tags = [f"QuickTime:CreateDate={_date(rng)}"]
    if rng.random() < 0.6:
        latitude, longitude = rng.choice(CITIES)
        tags.append(f"Keys:GPSCoordinates={latitude}, {longitude}, 12")
    if rng.random() < 0.5:
        tags.append(f"Keys:Description=clip {rng.randint(1, 99)}")
    if rng.random() < 0.5:
        make, model, _ = rng.choice(CAMERAS)
        tags += [f"Keys:Make={make}", f"Keys:Model={model}"]
    return tags


def _base_file(folder: Path, index: int, fmt: str, rng: random.Random) -> Path:
    name = folder / f"f{index:03d}.{fmt}"
    if fmt == "jpeg":
        return make_exif_jpeg(name.with_suffix(".jpg"), exif={})
    if fmt in ("tiff", "png", "webp"):
        return make_image(name, fmt.upper())
    if fmt == "heic":
        return make_heif(name)
    if fmt == "dng":
        make, model, _ = rng.choice(CAMERAS)
        return make_dng(name, make=make, model=model)
    rotation = rng.choice([0, 0, 90, 270, 180])
    return make_video(name, container_format="mov" if fmt == "mov" else None, rotation=rotation)


def build_corpus(folder: Path, count: int, seed: int, exiftool: str) -> list[Path]:
    """`count` files (about one in five a video, one in eight images with an XMP sidecar), tagged in one exiftool
    run (its -@ argument file, one -execute per file)."""
    rng = random.Random(seed)
    files, arguments = [], []
    for index in range(count):
        is_video = rng.random() < 0.2
        fmt = rng.choice(VIDEO_FORMATS if is_video else IMAGE_FORMATS)
        path = _base_file(folder, index, fmt, rng)
        tags = video_tags(rng) if is_video else image_tags(rng, fmt)
        arguments += ["-overwrite_original", "-m", *(f"-{tag}" for tag in tags), str(path), "-execute"]
        if not is_video and rng.random() < 0.125:
            sidecar = path.with_name(path.name + ".xmp")
            sidecar_tags = [f"XMP-dc:Description=sidecar {index}", f"XMP-xmp:Rating={rng.randint(1, 5)}"]
            if rng.random() < 0.5:
                sidecar_tags.append(f"XMP-exif:DateTimeOriginal={_date(rng)}{_offset(rng)}")
            arguments += ["-o", str(sidecar), *(f"-{tag}" for tag in sidecar_tags), str(path), "-execute"]
        files.append(path)
    argfile = folder / "tags.args"
    argfile.write_text("\n".join(arguments) + "\n")
    subprocess.run([exiftool, "-q", "-q", "-@", str(argfile)], check=False, capture_output=True, timeout=600)
    return files
