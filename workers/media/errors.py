"""What media operations raise for files they cannot use, and how to tell the storage's condition from the file's."""

import errno


class UnreadableMedia(Exception):
    """The file is not a decodable image or video; the message says why in words a person can act on."""


def out_of_space(error: BaseException) -> bool:
    """The storage is full (or its quota is): the server's condition, passing once space is freed, never the
    file's fault."""
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)
