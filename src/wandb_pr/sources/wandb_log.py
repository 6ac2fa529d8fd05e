"""Read the framing of ``.wandb`` files, the transaction logs that ``wandb`` writes for every run.

Pure Python (``struct`` and ``zlib``); this module never imports ``wandb``. It yields each
record's raw bytes; decoding them (serialized ``wandb_internal.Record`` protobuf messages) is the
caller's job.

The format, as wandb 0.31.0 writes it (its Go writer ``core/pkg/leveldb``, checked on real files)::

    file    := header block*       the header is the first 7 bytes of the first block
    header  := ":W&B"  uint16 0xBEE1  uint8 version          (bytes 3a 57 26 42 e1 be 00)
    block   := chunk* trailer?     32 KiB each; only the last block of a file may be shorter
    chunk   := checksum uint32, length uint16, type uint8, data[length]
    trailer := 1 to 6 zero bytes, where the next chunk header no longer fits in the block

Integers are little-endian. ``checksum`` is ``zlib.crc32`` (IEEE, unmasked; not LevelDB's masked
CRC-32C) of the type byte followed by the data. A record is one ``FULL`` (1) chunk, or a ``FIRST``
(2) chunk, any ``MIDDLE`` (3) chunks and a ``LAST`` (4) chunk in the following blocks; a ``FIRST``
chunk may be empty when exactly 7 bytes were left in its block.

The writer buffers a whole block in memory, so a run that is still open, or whose process was
killed, may end inside a record: the records before it are yielded and a warning says where the
file stops. Any damage (a checksum mismatch, a chunk that overflows its block, an unknown chunk
type, chunks out of sequence, a non-zero trailer) ends the reading the same way: everything yielded
is exactly what was written, never a guess.
"""

from __future__ import annotations

import logging
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from wandb_pr.errors import OfflineRunError

__all__ = [
    "BLOCK_SIZE",
    "MAGIC",
    "SUPPORTED_VERSION",
    "LogRecord",
    "iter_log",
    "read_log",
]

logger = logging.getLogger(__name__)

MAGIC = b":W&B\xe1\xbe"
"""The first 6 header bytes: ``:W&B`` and the uint16 ``0xBEE1``, little-endian."""
SUPPORTED_VERSION = 0
"""The newest header version this module reads (what wandb 0.31.0 writes)."""
BLOCK_SIZE = 32 * 1024
"""Chunks never cross a block boundary."""

_HEADER_SIZE = 7
_CHUNK = struct.Struct("<IHB")
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4
_CHUNK_NAMES = {_FULL: "FULL", _FIRST: "FIRST", _MIDDLE: "MIDDLE", _LAST: "LAST"}

Warn = Callable[[str], None]


class LogRecord(NamedTuple):
    """One record of a ``.wandb`` file."""

    offset: int
    """Byte offset in the file of the record's first chunk header (for messages)."""
    payload: bytes
    """The record's bytes, reassembled from its chunks."""


def read_log(path: Path, *, warn: Warn) -> Iterator[LogRecord]:
    """Yield the records of the ``.wandb`` file at ``path``, in order.

    Damage stops the reading after the last intact record, with one ``warn`` call naming the file
    and the byte offset. Raises :class:`OfflineRunError` when the file cannot be opened or read, or
    when a newer wandb wrote it in a format version this module does not know.
    """
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise OfflineRunError(
            f"cannot open {path}: {exc.strerror or exc}",
            tip="Check that the file exists and is readable.",
        ) from exc
    with stream:
        try:
            yield from iter_log(stream, source=str(path), warn=warn)
        except OSError as exc:
            raise OfflineRunError(
                f"cannot read {path}: {exc.strerror or exc}",
                tip="Check that the file is readable.",
            ) from exc


def iter_log(stream: BinaryIO, *, source: str, warn: Warn) -> Iterator[LogRecord]:
    """Yield the records of a ``.wandb`` log read from ``stream``; ``source`` names it in messages.

    Same contract as :func:`read_log`, for an already open binary stream.
    """
    header = stream.read(_HEADER_SIZE)
    problem = _header_problem(header, source)
    if problem:
        warn(f"{source}: {problem}; no records read")
        return

    reader = _ChunkReader(stream, first_block=header + stream.read(BLOCK_SIZE - _HEADER_SIZE))
    count = 0
    parts: list[bytes] | None = None  # the chunks of a record being reassembled
    record_offset = 0

    def stop(offset: int, what: str, why: str = "") -> None:
        records = "record" if count == 1 else "records"
        warn(
            f"{source}: {what} at byte {offset}{why}; kept the {count} {records} before it "
            "and ignored the rest of the file"
        )

    while True:
        chunk = reader.next_chunk()
        if isinstance(chunk, _End):
            if parts is not None:
                stop(
                    record_offset,
                    "an incomplete record",
                    " (the run is still open, or its process was killed)",
                )
            elif chunk.problem:
                stop(chunk.offset, chunk.problem)
            else:
                logger.debug("%s: %d records", source, count)
            return
        offset, kind, data = chunk
        if kind == _FULL and parts is None:
            count += 1
            yield LogRecord(offset, data)
        elif kind == _FIRST and parts is None:
            parts, record_offset = [data], offset
        elif kind in (_MIDDLE, _LAST) and parts is not None:
            parts.append(data)
            if kind == _LAST:
                count += 1
                yield LogRecord(record_offset, b"".join(parts))
                parts = None
        else:
            expected = "MIDDLE or LAST" if parts is not None else "FULL or FIRST"
            stop(offset, f"a {_CHUNK_NAMES[kind]} chunk where a {expected} chunk belongs")
            return


def _header_problem(header: bytes, source: str) -> str | None:
    """Say what is wrong with a file header, or ``None``; raise for a newer format version."""
    if not header:
        return "the file is empty (no header)"
    if len(header) < _HEADER_SIZE or header[:6] != MAGIC:
        return f"not a wandb transaction log (header bytes {header.hex(' ')!r})"
    version = header[6]
    if version > SUPPORTED_VERSION:
        raise OfflineRunError(
            f"{source} was written by a newer wandb log format v{version}; "
            f"this wandb-pr reads up to v{SUPPORTED_VERSION}; upgrade wandb-pr",
            tip="pip install --upgrade wandb-pr",
        )
    return None


class _End(NamedTuple):
    """No more chunks: the end of the file, or damage (``problem`` says which, at ``offset``)."""

    offset: int
    problem: str | None = None


class _Chunk(NamedTuple):
    """One verified chunk."""

    offset: int
    kind: int
    data: bytes


class _ChunkReader:
    """Walk the chunks of a log one block at a time, checking each one."""

    def __init__(self, stream: BinaryIO, *, first_block: bytes) -> None:
        self._stream = stream
        self._block = first_block
        self._block_start = 0
        self._pos = _HEADER_SIZE

    def next_chunk(self) -> _Chunk | _End:
        """Return the next verified chunk, or why there is none."""
        while self._pos + _CHUNK.size > len(self._block):
            tail = self._block[self._pos :]
            offset = self._block_start + self._pos
            if len(self._block) < BLOCK_SIZE:  # the last block of the file
                return _End(offset, "the file ends inside a chunk header" if tail else None)
            if tail.strip(b"\0"):
                return _End(offset, "non-zero bytes in a block trailer")
            self._block_start += BLOCK_SIZE
            self._block = self._stream.read(BLOCK_SIZE)
            self._pos = 0

        offset = self._block_start + self._pos
        checksum, length, kind = _CHUNK.unpack_from(self._block, self._pos)
        start = self._pos + _CHUNK.size
        end = start + length
        if end > len(self._block):
            if len(self._block) < BLOCK_SIZE:
                return _End(offset, f"the file ends inside a chunk of {length} bytes")
            return _End(offset, f"a chunk of {length} bytes that overflows its block")
        data = self._block[start:end]
        if zlib.crc32(data, zlib.crc32(bytes((kind,)))) != checksum:
            return _End(offset, "a checksum mismatch")
        if kind not in _CHUNK_NAMES:
            return _End(offset, f"an unknown chunk type {kind}")
        self._pos = end
        return _Chunk(offset, kind, data)
