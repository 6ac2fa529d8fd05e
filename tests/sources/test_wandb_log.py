"""Tests of the ``.wandb`` framing reader, against a test-only writer and real files."""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wandb_pr.errors import OfflineRunError
from wandb_pr.sources.wandb_log import BLOCK_SIZE, MAGIC, LogRecord, iter_log, read_log

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "wandb"
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
SOURCE = "test.wandb"


class LogWriter:
    """Writes the format the way wandb's Go writer does (``core/pkg/leveldb``), for tests only."""

    def __init__(self, version: int = 0) -> None:
        self.data = bytearray(MAGIC + bytes([version]))
        self.clean_ends = {len(self.data)}
        """Offsets at which the file may end without being damaged."""
        self.record_ends: list[int] = []

    def left(self) -> int:
        """Bytes left in the current block."""
        return BLOCK_SIZE - len(self.data) % BLOCK_SIZE

    def chunk(self, kind: int, data: bytes, *, checksum: int | None = None) -> None:
        """Append one chunk as is (a checksum may be forced, to craft damage)."""
        crc = zlib.crc32(bytes([kind]) + data) if checksum is None else checksum
        self.data += struct.pack("<IHB", crc, len(data), kind) + data

    def append(self, payload: bytes) -> None:
        """Append one record, padding the block and splitting the record as wandb does."""
        if self.left() < 7:
            self.data += bytes(self.left())
            self.clean_ends.add(len(self.data))
        rest, first = payload, True
        while True:
            size = min(len(rest), self.left() - 7)
            last = size == len(rest)
            kind = (FULL if last else FIRST) if first else (LAST if last else MIDDLE)
            self.chunk(kind, rest[:size])
            rest, first = rest[size:], False
            if last:
                break
        self.record_ends.append(len(self.data))
        self.clean_ends.add(len(self.data))


def read_bytes(data: bytes) -> tuple[list[LogRecord], list[str]]:
    """Read ``data`` as a log; return the records and the warnings."""
    warnings: list[str] = []
    records = list(iter_log(io.BytesIO(data), source=SOURCE, warn=warnings.append))
    return records, warnings


def read_or_error(data: bytes) -> tuple[list[LogRecord], list[str]] | OfflineRunError:
    """Like :func:`read_bytes`, returning the OfflineRunError instead of raising it."""
    try:
        return read_bytes(data)
    except OfflineRunError as exc:
        return exc


@st.composite
def logs(draw: st.DrawFn) -> tuple[LogWriter, list[bytes]]:
    """A log of random records, some sized to end right at (or a few bytes before) a block end."""
    writer, payloads = LogWriter(), []
    for _ in range(draw(st.integers(0, 6))):
        room = writer.left() - 7 if writer.left() >= 7 else BLOCK_SIZE - 7
        size = draw(
            st.one_of(
                st.integers(0, 40),
                st.integers(0, 3 * BLOCK_SIZE),
                st.integers(max(room - 8, 0), room + 8),  # end at, or just around, a block end
            )
        )
        payload = random.Random(draw(st.integers(0, 2**32 - 1))).randbytes(size)
        writer.append(payload)
        payloads.append(payload)
    return writer, payloads


PROPERTY = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(logs())
def test_round_trip(log: tuple[LogWriter, list[bytes]]) -> None:
    """Every record written is read back, in order, at its offset, without warnings."""
    writer, payloads = log
    records, warnings = read_bytes(bytes(writer.data))
    assert [r.payload for r in records] == payloads
    assert warnings == []
    assert all(r.offset < end for r, end in zip(records, writer.record_ends, strict=True))


@PROPERTY
@given(logs(), st.data())
def test_truncation_yields_the_complete_records(
    log: tuple[LogWriter, list[bytes]], data: st.DataObject
) -> None:
    """A file cut anywhere yields exactly the records that end before the cut; unclean cuts warn."""
    writer, payloads = log
    cut = data.draw(st.integers(0, len(writer.data)))
    records, warnings = read_bytes(bytes(writer.data[:cut]))
    complete = [p for p, end in zip(payloads, writer.record_ends, strict=True) if end <= cut]
    assert [r.payload for r in records] == complete
    if cut in writer.clean_ends:
        assert warnings == []
    else:
        assert len(warnings) == 1
        assert warnings[0].startswith(f"{SOURCE}: ")
        assert (" at byte " in warnings[0]) == (cut >= 7)  # a cut header has no offset to give


@PROPERTY
@given(logs(), st.data())
def test_corruption_never_yields_garbage(
    log: tuple[LogWriter, list[bytes]], data: st.DataObject
) -> None:
    """Any changed byte stops the reading, with one warning, after a strict prefix of records."""
    writer, payloads = log
    damaged = bytearray(writer.data)
    where = data.draw(st.integers(0, len(damaged) - 1))
    damaged[where] ^= data.draw(st.integers(1, 255))
    result = read_or_error(bytes(damaged))
    if isinstance(result, OfflineRunError):  # the version byte now claims a newer format
        assert where == 6
        assert "newer wandb log format" in str(result)
        return
    records, warnings = result
    yielded = [r.payload for r in records]
    assert yielded == payloads[: len(yielded)]
    assert len(yielded) < len(payloads) or not payloads
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{SOURCE}: ")


@PROPERTY
@given(st.binary(max_size=300), st.booleans())
def test_arbitrary_bytes_never_raise_anything_else(data: bytes, with_header: bool) -> None:
    """Arbitrary input (after a header, or not) gives warnings or OfflineRunError, no crash."""
    result = read_or_error(MAGIC + b"\0" + data if with_header else data)
    if isinstance(result, OfflineRunError):
        assert "newer wandb log format" in str(result)
    else:
        assert all(w.startswith(f"{SOURCE}: ") for w in result[1])


def test_header_bytes_are_what_wandb_writes() -> None:
    """The header is ``:W&B``, 0xBEE1 little-endian and version 0, as in real wandb 0.31.0 files."""
    assert bytes.fromhex("3a572642e1be00") == MAGIC + b"\0"
    for path in EXAMPLES.glob("*/*.wandb"):
        assert path.read_bytes()[:7] == bytes.fromhex("3a572642e1be00")


def test_newer_version_is_an_error_naming_both_versions() -> None:
    """A header version above the supported one raises OfflineRunError saying to upgrade."""
    with pytest.raises(OfflineRunError) as caught:
        read_bytes(bytes(LogWriter(version=1).data))
    assert str(caught.value) == (
        "test.wandb was written by a newer wandb log format v1; "
        "this wandb-pr reads up to v0; upgrade wandb-pr"
    )
    assert caught.value.tip == "pip install --upgrade wandb-pr"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "test.wandb: the file is empty (no header); no records read"),
        (
            b":W&",
            "test.wandb: not a wandb transaction log (header bytes '3a 57 26'); no records read",
        ),
        (
            b"PK\x03\x04\x14\x00\x00",
            "test.wandb: not a wandb transaction log (header bytes '50 4b 03 04 14 00 00'); "
            "no records read",
        ),
    ],
)
def test_bad_header_warns_and_reads_nothing(content: bytes, problem: str) -> None:
    """An empty, short or foreign file yields no records and one warning naming the file."""
    assert read_bytes(content) == ([], [problem])


def test_empty_first_chunk_when_seven_bytes_are_left() -> None:
    """With exactly 7 bytes left in a block, a record starts with an empty FIRST chunk."""
    writer = LogWriter()
    writer.append(b"a" * (BLOCK_SIZE - 7 - 7 - 7))
    assert writer.left() == 7
    writer.append(b"spans")
    assert writer.data[BLOCK_SIZE - 7 : BLOCK_SIZE - 1] == struct.pack(
        "<IH", zlib.crc32(bytes([FIRST])), 0
    )
    records, warnings = read_bytes(bytes(writer.data))
    assert [r.payload for r in records] == [b"a" * (BLOCK_SIZE - 21), b"spans"]
    assert records[1].offset == BLOCK_SIZE - 7
    assert warnings == []


def test_zero_trailer_is_skipped_and_a_non_zero_one_is_damage() -> None:
    """Fewer than 7 bytes left are zero padding; any other byte there stops the reading."""
    writer = LogWriter()
    filler = b"a" * (BLOCK_SIZE - 7 - 7 - 3)
    writer.append(filler)
    writer.append(b"next")
    assert writer.data[BLOCK_SIZE - 3 : BLOCK_SIZE] == b"\0\0\0"
    assert [r.payload for r in read_bytes(bytes(writer.data))[0]] == [filler, b"next"]
    writer.data[BLOCK_SIZE - 2] = 1
    records, warnings = read_bytes(bytes(writer.data))
    assert len(records) == 1
    assert warnings == [
        f"{SOURCE}: non-zero bytes in a block trailer at byte {BLOCK_SIZE - 3}; "
        "kept the 1 record before it and ignored the rest of the file"
    ]


@pytest.mark.parametrize(
    ("chunks", "problem"),
    [
        ([(MIDDLE, b"x")], "a MIDDLE chunk where a FULL or FIRST chunk belongs"),
        ([(LAST, b"x")], "a LAST chunk where a FULL or FIRST chunk belongs"),
        ([(FIRST, b"x"), (FULL, b"y")], "a FULL chunk where a MIDDLE or LAST chunk belongs"),
        ([(FIRST, b"x"), (FIRST, b"y")], "a FIRST chunk where a MIDDLE or LAST chunk belongs"),
        ([(7, b"x")], "an unknown chunk type 7"),
        ([(0, b"")], "an unknown chunk type 0"),
    ],
)
def test_chunks_out_of_sequence_are_damage(chunks: list[tuple[int, bytes]], problem: str) -> None:
    """A chunk type that cannot follow the previous one stops the reading at that chunk."""
    writer = LogWriter()
    writer.append(b"ok")
    for kind, data in chunks:
        writer.chunk(kind, data)
    offset = 7 + 9 + (8 if len(chunks) == 2 else 0)
    assert read_bytes(bytes(writer.data)) == (
        [LogRecord(7, b"ok")],
        [
            f"{SOURCE}: {problem} at byte {offset}; "
            "kept the 1 record before it and ignored the rest of the file"
        ],
    )


def test_checksum_covers_the_type_byte_unmasked() -> None:
    """The checksum is zlib.crc32 of type byte + data; LevelDB's masked CRC-32C is rejected."""
    writer = LogWriter()
    writer.chunk(FULL, b"data", checksum=zlib.crc32(b"data"))
    records, warnings = read_bytes(bytes(writer.data))
    assert records == []
    assert warnings == [
        f"{SOURCE}: a checksum mismatch at byte 7; "
        "kept the 0 records before it and ignored the rest of the file"
    ]


def test_a_record_cut_at_a_block_boundary_says_the_run_may_be_open() -> None:
    """A log that ends inside a multi-block record (an open run) says so, at the record's start."""
    writer = LogWriter()
    writer.append(b"first")
    writer.append(b"b" * BLOCK_SIZE)
    records, warnings = read_bytes(bytes(writer.data[:BLOCK_SIZE]))
    assert [r.payload for r in records] == [b"first"]
    assert warnings == [
        f"{SOURCE}: an incomplete record at byte 19 (the run is still open, or its process was "
        "killed); kept the 1 record before it and ignored the rest of the file"
    ]


def test_real_wandb_files_read_cleanly() -> None:
    """The example runs written by wandb 0.31.0 read to the end without a warning."""
    paths = sorted(EXAMPLES.glob("*/*.wandb"))
    assert len(paths) == 7
    for path in paths:
        warnings: list[str] = []
        records = list(read_log(path, warn=warnings.append))
        assert warnings == []
        assert len(records) > 20
        assert records[0].offset == 7


def test_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    """A file that cannot be opened raises OfflineRunError with its path."""
    path = tmp_path / "run-x.wandb"
    with pytest.raises(OfflineRunError, match=r"cannot open .*run-x\.wandb: No such file"):
        list(read_log(path, warn=pytest.fail))
