"""How a step reads the file it works on (the original, or a file the thumbnail step made), and what a file it
cannot use means: the step fails for good with the reason in words (retrying would read the same file again)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from assets.models import Asset
from assets.selectors import generated_file, missing_thumbnail_reason
from assets.storage import OFFLINE_REASON
from immich import storage
from jobs.services import PermanentFailure
from workers.media import fs
from workers.media.errors import UnreadableMedia

Result = TypeVar("Result")


class NotGenerated(PermanentFailure):
    """The asset has no recorded file of the kind asked for: its thumbnail step failed (the reason says so) or has
    not run yet. A step that merely has nothing to compare may take it as a skip."""


@contextmanager
def unusable_input_fails(*, missing: str) -> Iterator[None]:
    """Around reading a step's input: a missing file fails the step with `missing`; one leading out of its folders,
    with the offline reason; one the media code cannot read, with the media code's reason."""
    try:
        yield
    except FileNotFoundError as error:
        raise PermanentFailure(missing) from error
    except fs.OutsideRoots as error:
        raise PermanentFailure(f"{OFFLINE_REASON}: {error}") from error
    except UnreadableMedia as error:
        raise PermanentFailure(str(error)) from error


def generated_file_apply(*, asset: Asset, kind: str, work: Callable[[Path], Result]) -> Result:
    """`work` (a pure workers.media function) run on a local copy of the asset's `kind` file (an AssetFileType the
    thumbnail step made), so that no step after it decodes the original again."""
    path = generated_file(asset=asset, kind=kind)
    if path is None:
        raise NotGenerated(f"no {kind} to examine: {missing_thumbnail_reason(asset=asset)}")
    with unusable_input_fails(missing=f"the {kind} file is missing ({path}): regenerate the thumbnails"):
        with storage.local_copy(path) as local:
            return work(local)
