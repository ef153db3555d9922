"""A SHA-1 whose running state is a few bytes that can be stored between requests.

A resumable upload arrives in many HTTP requests, possibly handled by different processes, and the file must never
be read again to hash it. `hashlib` objects cannot be pickled or exported, so this calls OpenSSL's own SHA-1
(`SHA1_Init`, `SHA1_Update`, `SHA1_Final` on a plain `SHA_CTX` struct) through ctypes: the struct's 96 bytes are the
whole state, saved after each chunk and restored for the next one. It is the very libcrypto that Python's `hashlib`
uses (found through the `_hashlib` extension), so it runs at hashlib's speed (SHA-NI where the CPU has it), and
ctypes releases the GIL during each call. These functions are deprecated in OpenSSL 3 but still exported by every
standard build; `available()` says whether this one has them.

Alternatives weighed: `rehash` (picklable hashlib) refuses OpenSSL 3; `cykooz-rehash` (Rust, serialisable SHA-1)
works but hashes at about a third of OpenSSL's speed here; a pure-Python SHA-1 is a hundred times slower.
The stored state is native-endian `SHA_CTX` memory: valid on machines of the same byte order, which is every
machine that shares one database and media volume in practice (x86-64 and arm64 are both little-endian).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

STATE_SIZE = 96
DIGEST_SIZE = 20


class _ShaCtx(ctypes.Structure):
    # openssl/sha.h: SHA_LONG h0..h4, Nl, Nh; SHA_LONG data[16]; unsigned int num (SHA_LONG is a 32-bit int).
    _fields_ = [("h", ctypes.c_uint32 * 5), ("nl", ctypes.c_uint32), ("nh", ctypes.c_uint32),
                ("data", ctypes.c_uint32 * 16), ("num", ctypes.c_uint)]  # fmt: skip


assert ctypes.sizeof(_ShaCtx) == STATE_SIZE


class ResumableSha1Unavailable(RuntimeError):
    pass


@functools.cache
def _libcrypto() -> ctypes.CDLL:
    candidates = []
    try:
        import _hashlib  # the extension module behind hashlib, linked against the libcrypto to use

        candidates.append(_hashlib.__file__)
    except (ImportError, AttributeError):
        pass
    found = ctypes.util.find_library("crypto")
    if found:
        candidates.append(found)
    for candidate in candidates:
        try:
            library = ctypes.CDLL(candidate)
            init, update, final = library.SHA1_Init, library.SHA1_Update, library.SHA1_Final
        except (OSError, AttributeError):
            continue
        ctx = ctypes.POINTER(_ShaCtx)
        init.argtypes, init.restype = [ctx], ctypes.c_int
        update.argtypes, update.restype = [ctx, ctypes.c_char_p, ctypes.c_size_t], ctypes.c_int
        final.argtypes, final.restype = [ctypes.c_char_p, ctx], ctypes.c_int
        return library
    raise ResumableSha1Unavailable(
        "OpenSSL's SHA1_Init/SHA1_Update/SHA1_Final were not found in the libcrypto used by hashlib; "
        "resumable uploads need them"
    )


def available() -> bool:
    try:
        _libcrypto()
    except ResumableSha1Unavailable:
        return False
    return True


class ResumableSha1:
    """`update()` like hashlib; `state()` exports the running state, `ResumableSha1(state)` resumes from it."""

    __slots__ = ("_ctx",)

    def __init__(self, state: bytes | None = None):
        library = _libcrypto()
        self._ctx = _ShaCtx()
        if state is None:
            if library.SHA1_Init(ctypes.byref(self._ctx)) != 1:
                raise RuntimeError("SHA1_Init failed")
        else:
            state = bytes(state)
            if len(state) != STATE_SIZE:
                raise ValueError(f"a SHA-1 state has {STATE_SIZE} bytes, not {len(state)}")
            ctypes.memmove(ctypes.byref(self._ctx), state, STATE_SIZE)

    def update(self, data: bytes) -> None:
        if data and _libcrypto().SHA1_Update(ctypes.byref(self._ctx), data, len(data)) != 1:
            raise RuntimeError("SHA1_Update failed")

    def state(self) -> bytes:
        return ctypes.string_at(ctypes.byref(self._ctx), STATE_SIZE)

    def digest(self) -> bytes:
        """The SHA-1 of everything so far; the object itself can go on being updated."""
        finished = _ShaCtx.from_buffer_copy(self.state())
        out = ctypes.create_string_buffer(DIGEST_SIZE)
        if _libcrypto().SHA1_Final(out, ctypes.byref(finished)) != 1:
            raise RuntimeError("SHA1_Final failed")
        return out.raw

    def hexdigest(self) -> str:
        return self.digest().hex()
