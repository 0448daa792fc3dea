"""Producers that are not ours, for consumer tests: Kafka's Java client, and a hand-built record batch."""

from __future__ import annotations

import glob
import shutil
import struct
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import TopicPartition
from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.produce import ProduceRequest
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from aiokafka.record.util import calc_crc32c

from acikkapi_shared.testing.infra import repo_root

_SOURCE = Path(__file__).with_name("java") / "RecordWriter.java"
_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Record:
    """One record as a test writes it and expects it back."""

    topic: str
    partition: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...] = field(default=())


def kafka_libs() -> Path:
    """Returns the directory of the broker's jars (kafka.sh fetch copies them there and prints it)."""
    completed = subprocess.run(
        ["bash", str(repo_root() / "deploy/kafka/kafka.sh"), "fetch"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return Path(completed.stdout.strip().splitlines()[-1])


class JavaRecordWriter:
    """Apache Kafka's Java producer (kafka-clients from the broker's jars), compiled once into a folder."""

    def __init__(self, build_dir: Path, libs: Path) -> None:
        self._build_dir = build_dir
        self._libs = libs

    @classmethod
    def compiled(cls, build_dir: Path) -> JavaRecordWriter:
        """Returns a writer, compiling RecordWriter.java into build_dir unless it is there already."""
        libs = kafka_libs()
        if not (build_dir / "RecordWriter.class").is_file():
            javac = shutil.which("javac")
            if javac is None:
                raise RuntimeError("javac is needed to build the Java test producer (a JDK 17+)")
            (client_jar,) = glob.glob(str(libs / "kafka-clients-*.jar"))
            build_dir.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [javac, "-cp", client_jar, "-d", str(build_dir), str(_SOURCE)],
                capture_output=True,
                text=True,
                check=True,
                timeout=_TIMEOUT_S,
            )
        return cls(build_dir, libs)

    def run(self, commands: Sequence[str]) -> None:
        """Runs the commands (see RecordWriter.java) in one JVM; raises with its output if it fails."""
        completed = subprocess.run(
            ["java", "-cp", f"{self._build_dir}:{self._libs}/*", "RecordWriter"],
            input="\n".join(commands) + "\n",
            capture_output=True,
            text=True,
            check=False,
            timeout=_TIMEOUT_S,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"RecordWriter failed ({completed.returncode}):\n{completed.stderr[-4000:]}")


def open_command(bootstrap: str, codec: str, transactional_id: str | None = None) -> str:
    """Returns the command that starts a producer with this codec (and transactions when given an id)."""
    return f"open {bootstrap} {codec} {transactional_id or '-'}"


def send_command(record: Record) -> str:
    """Returns the command that sends the record and waits for its acknowledgement."""
    headers = [f"{name.encode().hex()}={_hex(value)}" for name, value in record.headers]
    return " ".join(
        ["send", record.topic, str(record.partition), _hex(record.key), _hex(record.value), *headers]
    )


def _hex(data: bytes | None) -> str:
    return "-" if data is None else data.hex()


async def write_raw_header_key(
    bootstrap: str, topic: str, partition: int, header_key: bytes, value: bytes
) -> int:
    """Writes one record whose header key is exactly these bytes; returns its offset.

    Every client encodes header keys from text, so the batch is built with aiokafka's builder around a
    placeholder key of the same length, patched, its CRC recomputed, and sent in a ProduceRequest.
    """
    placeholder = b"\x01" * len(header_key)
    builder = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=0,
        is_transactional=0,
        producer_id=-1,
        producer_epoch=-1,
        base_sequence=-1,
        batch_size=1 << 20,
    )
    builder.append(
        0, timestamp=int(time.time() * 1000), key=None, value=value, headers=[(placeholder.decode(), b"v")]
    )
    batch = bytearray(builder.build())
    at = batch.index(placeholder, 61)  # past the 61-byte batch header
    batch[at : at + len(header_key)] = header_key
    # The CRC-32C covers everything from the attributes (offset 21) on; it is stored at offset 17.
    struct.pack_into(">I", batch, 17, calc_crc32c(bytes(batch[21:])))
    client = AIOKafkaClient(bootstrap_servers=bootstrap)
    await client.bootstrap()
    try:
        await client._wait_on_metadata(topic)
        leader = client.cluster.leader_for_partition(TopicPartition(topic, partition))
        records = [(topic, [(partition, bytes(batch))])]
        request = ProduceRequest(transactional_id=None, required_acks=-1, timeout=30_000, topics=records)
        response = await client.send(leader, request)
    finally:
        await client.close()
    (_topic, ((_partition, error_code, offset, *_rest),)) = response.topics[0]
    if error_code != 0:
        raise RuntimeError(f"the broker refused the batch: error {error_code}")
    return int(offset)
