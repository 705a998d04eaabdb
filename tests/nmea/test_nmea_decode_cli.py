"""``bench nmea decode``: rows per second from a gpsfake-style log with corrupt lines, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli.main import main
from bench.nmea.parser import nmea_checksum


def s(body: str) -> str:
    return f"${body}*{nmea_checksum(body)}"


def gga(t: str, q: int = 1) -> str:
    return s(f"GPGGA,{t},4807.038,N,01131.000,E,{q},08,0.9,545.4,M,46.9,M,,")


def rmc(t: str, date: str, status: str = "A") -> str:
    return s(f"GNRMC,{t},{status},3347.000,S,07030.000,W,0.0,0.0,{date},,,A")


LOG = "\n".join([
    "# Serial: 4800 8N1",
    "# Date: 2016-12-31",
    gga("235959.00"),
    gga("235960.00"),
    gga("235960.00")[:-2] + "00",              # bad checksum
    rmc("000000.00", "010117"),
    gga("000000.00", q=0),
    "$GPGGA,000000.00,garbage",                # missing checksum
    s("GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1"),
    rmc("000001.5", "010117", status="V"),
    gga("246000.00"),                          # hour 24
    "\x00\x00noise",
    s("GPZDA,000002.123,01,01,2017,00,00"),
]) + "\n"


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "rx.nmea"
    path.write_bytes(LOG.encode("latin-1"))
    return path


def test_csv_rows_per_second_then_rejects(log_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["nmea", "decode", str(log_file)], capsys)
    assert code == 0
    rows = list(csv.reader(line for line in out.splitlines() if not line.startswith("#")))
    assert rows == [
        ["utc", "valid", "talker", "sentences"],
        ["2016-12-31T23:59:59.00Z", "true", "GP", "GGA"],
        ["2016-12-31T23:59:60.00Z", "true", "GP", "GGA"],
        ["2017-01-01T00:00:00.00Z", "false", "GN+GP", "RMC+GGA"],
        ["2017-01-01T00:00:01.5Z", "false", "GN", "RMC"],
        ["2017-01-01T00:00:02.123Z", "true", "GP", "ZDA"],
    ]
    rejects = {line.split(",")[1]: int(line.split(",")[2]) for line in out.splitlines()
               if line.startswith("# reject,")}
    assert rejects == {"checksum": 1, "missing_checksum": 1, "range": 1, "framing": 1}


def test_json_lines_and_date_option(log_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "\n".join(line for line in LOG.splitlines() if not line.startswith("# Date"))
    log_file.write_text(text + "\n", encoding="latin-1")
    code, out, _ = run_cli(["nmea", "decode", str(log_file), "--format", "json", "--date", "2016-12-31"], capsys)
    assert code == 0
    docs = [json.loads(line) for line in out.splitlines()]
    assert docs[0] == {"type": "second", "utc": "2016-12-31T23:59:59.00Z", "valid": True, "talker": "GP",
                       "sentences": "GGA"}
    assert docs[-1]["type"] == "summary" and docs[-1]["seconds"] == 5 and docs[-1]["rejected"] == 4
    assert docs[-1]["accepted"] == {"GGA": 3, "RMC": 2, "GSA": 1, "ZDA": 1}


def test_without_any_date_gga_has_no_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nodate.nmea"
    path.write_text(gga("120000.00") + "\r\n", encoding="ascii")
    code, out, _ = run_cli(["nmea", "decode", str(path), "--json"], capsys)
    assert code == 0 and json.loads(out.splitlines()[-1])["without_time"] == 1 and len(out.splitlines()) == 1


@pytest.mark.parametrize(("content", "argv_extra", "message"), [
    (None, [], "no such file"),
    ("# Date: 2016-13-45\n", [], "not yyyy-mm-dd"),
    ("", ["--date", "yesterday"], "--date"),
])
def test_bad_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None,
                                    argv_extra: list[str], message: str) -> None:
    path = tmp_path / "log.nmea"
    if content is not None:
        path.write_text(content, encoding="ascii")
    code, _, err = run_cli(["nmea", "decode", str(path), *argv_extra], capsys)
    assert code == 2 and message in err and "Traceback" not in err


def test_directory_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["nmea", "decode", str(tmp_path)], capsys)
    assert code == 2 and "directory" in err


def test_stdin_through_the_installed_command() -> None:
    bench = Path(sys.executable).with_name("bench")
    proc = subprocess.run([str(bench), "nmea", "decode", "-"], input=LOG.encode("latin-1"), capture_output=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert b"2016-12-31T23:59:60.00Z,true,GP,GGA" in proc.stdout


def test_log_decoder_streams_large_input_in_blocks() -> None:
    from bench.nmea.logdecode import LogDecoder

    lines = []
    for i in range(5000):
        lines.append(gga(f"{i // 3600 % 24:02d}{i // 60 % 60:02d}{i % 60:02d}.00"))
    log = LogDecoder("big", default_date=None)
    data = ("# Date: 2020-02-28\n" + "\n".join(lines)).encode()
    rows = list(log.rows(io.BytesIO(data)))
    assert len(rows) == 5000 and rows[-1].label.isoformat() == "2020-02-28T01:23:19.00Z"
