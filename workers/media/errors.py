"""What media operations raise for files they cannot use, and how to tell the storage's condition from the file's."""

import errno


class UnreadableMedia(Exception):
    """The file is not a decodable image or video; the message says why in words a person can act on."""


def libvips_reason(error: Exception) -> str:
    """The line of a libvips error that names the problem: its last, without the "unable to call" frames (some
    loaders say nothing more than that)."""
    lines = [
        line.strip()
        for line in str(error).splitlines()
        if line.strip() and not line.strip().startswith("unable to call")
    ]
    return lines[-1] if lines else "corrupt or unsupported data (the decoder gave no detail)"


def out_of_space(error: BaseException | None) -> bool:
    """The storage is full (or its quota is): the server's condition, passing once space is freed, never the
    file's fault. Also when the full disk is the cause of the error raised (an error wrapping it)."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False
