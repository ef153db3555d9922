"""The official `@immich/sdk` as the contract: installed with npm into a cache outside the repository, its response
types turned into JSON Schemas by `ts-json-schema-generator` (one invocation for every type), and its table of
endpoints read from its build files: `build/fetch-client.js` holds each function's method and path,
`build/fetch-client.d.ts` the type each function resolves to (`Promise<AssetResponseDto>`).

The SDK is built with oazapfts' `ok()` wrappers, so a function names one type: the body of its success answer,
whatever 2xx status that is (`uploadAsset` answers 200 for a duplicate and 201 for a new asset, both
`AssetMediaResponseDto`). `never` means no JSON body; `Blob` means bytes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SDK_VERSION = "3.1.0"
GENERATOR_VERSION = "2.4.0"  # ts-json-schema-generator
CACHE_ROOT = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "immich-contract"
CACHE = CACHE_ROOT / f"sdk-{SDK_VERSION}-ts-json-schema-generator-{GENERATOR_VERSION}"

# Every type a response can be is a field of this one type, so one generator run makes every schema.
_ROOT_TYPE = "ContractResponses"
_NO_JSON_BODY = ("never", "Blob")


class SdkUnavailable(Exception):
    """npm is missing or cannot install the packages (no network): the contract cannot be read."""


@dataclass(frozen=True)
class Endpoint:
    function: str  # the SDK's function name, e.g. getAssetInfo
    method: str
    path: str  # the SDK's template without the /api prefix, e.g. /assets/{id}
    response_type: str  # e.g. AssetResponseDto, BulkIdResponseDto[], never, Blob


@dataclass(frozen=True, eq=False)  # hashed by identity: validators are cached per contract
class Contract:
    endpoints: dict[tuple[str, str], Endpoint]  # (method, path) -> endpoint
    schema: dict  # the generator's Draft 7 document; definitions.ContractResponses has a field per response type


def _npm_install(folder: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise SdkUnavailable("npm is not installed")
    (folder / "package.json").write_text('{"private": true}\n')
    packages = [f"@immich/sdk@{SDK_VERSION}", f"ts-json-schema-generator@{GENERATOR_VERSION}"]
    try:
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", *packages],
                              check=False, cwd=folder, capture_output=True, text=True, timeout=300)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise SdkUnavailable(f"npm install {' '.join(packages)} took over 5 minutes (no network?)") from None
    if done.returncode != 0:
        raise SdkUnavailable(f"npm install {' '.join(packages)} failed: {done.stderr.strip()[-500:]}")


def _build_files(folder: Path) -> tuple[str, str]:
    build = folder / "node_modules" / "@immich" / "sdk" / "build"
    return (build / "fetch-client.js").read_text(), (build / "fetch-client.d.ts").read_text()


def read_endpoints(javascript: str, declarations: str) -> dict[tuple[str, str], Endpoint]:
    returns = dict(re.findall(r"export declare function (\w+)\(.*?\): Promise<(.*?)>;\n", declarations, re.DOTALL))
    endpoints = {}
    for function, body in re.findall(r"export function (\w+)\((.*?)\n}\n", javascript, re.DOTALL):
        call = re.search(r"oazapfts\.fetch(?:Json|Text|Blob)\((`[^`]*`|\"[^\"]*\")", body)
        method = re.search(r'method: "(\w+)"', body)
        path = re.sub(r"\$\{QS\.query.*$", "", call.group(1)[1:-1], flags=re.DOTALL)
        path = re.sub(r"\$\{encodeURIComponent\(\$?(\w+)\)\}", r"{\1}", path)
        endpoint = Endpoint(function, method.group(1) if method else "GET", path, returns[function])
        endpoints[(endpoint.method, endpoint.path)] = endpoint
    return endpoints


def _generate_schema(folder: Path, declarations: str, response_types: set[str]) -> None:
    fields = "\n".join(f'    "{name}": {name};' for name in sorted(response_types))
    (folder / "contract.ts").write_text(f"{declarations}\nexport type {_ROOT_TYPE} = {{\n{fields}\n}};\n")
    generator = folder / "node_modules" / ".bin" / "ts-json-schema-generator"
    done = subprocess.run(
        [str(generator), "--path", "contract.ts", "--type", _ROOT_TYPE, "--no-type-check", "--expose", "export",
         "--out", "schema.json"],
        check=False, cwd=folder, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"ts-json-schema-generator failed: {done.stderr.strip()[-2000:]}")


def _build_cache() -> None:
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{CACHE.name}.", dir=CACHE_ROOT))
    try:
        _npm_install(staging)
        javascript, declarations = _build_files(staging)
        endpoints = read_endpoints(javascript, declarations)
        _generate_schema(staging, declarations, {e.response_type for e in endpoints.values()} - set(_NO_JSON_BODY))
        try:
            staging.rename(CACHE)  # whole or not at all; a concurrent run that finished first wins
        except OSError:
            if not (CACHE / "schema.json").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def load_contract() -> Contract:
    """The SDK's endpoints and response schemas, built once into CACHE and read from there afterwards."""
    if not (CACHE / "schema.json").exists():
        _build_cache()
    javascript, declarations = _build_files(CACHE)
    return Contract(read_endpoints(javascript, declarations), json.loads((CACHE / "schema.json").read_text()))
