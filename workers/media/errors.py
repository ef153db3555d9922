"""The one exception media operations raise for files they cannot use."""


class UnreadableMedia(Exception):
    """The file is not a decodable image or video; the message says why in words a person can act on."""
