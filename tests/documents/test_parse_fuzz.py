"""A fixed fuzz run over the parsers: mutated corpus documents and generated reports, in
a child process under an address-space limit. Every input must end in a report or a
clear gkwatch error (never another exception), each within 10 s and the whole run
within 500 MB."""
from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CASES = 600

_CHILD = r"""
import hashlib, io, json, random, resource, sys, time, traceback, zipfile
from pathlib import Path
from ground.errors import GkwatchError
from workers.parse import parse_bytes

root, n = Path(sys.argv[1]), int(sys.argv[2])
seeds = []
for sub in ("seeds", "real"):
    d = root.parent / "shared" / "corpus" / sub
    if d.is_dir():
        seeds += [(p.name, p.read_bytes()) for p in sorted(d.iterdir()) if p.suffix != ".tsv"]
sys.path.insert(0, str(root))
from tests.support.reports import text_report
seeds.append(("gen.txt", text_report().encode()))
seeds.append(("gen-flat.txt", text_report().replace("\n", "").replace("\t", "").encode()))
rng = random.Random(20261201)

def peak_mb() -> float:
    # VmHWM, not ru_maxrss: ru_maxrss survives exec and would count the parent's peak
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def mutate(data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(7)
        if not b:
            break
        i = rng.randrange(len(b))
        if op == 0:
            b[i] = rng.randrange(256)                      # flip a byte
        elif op == 1:
            del b[i:i + rng.randint(1, 4096)]             # cut a piece
        elif op == 2:
            b[i:i] = str(rng.randrange(10 ** 12)).encode() * rng.randint(1, 50)   # digit runs
        elif op == 3:
            b[i:i] = b[max(0, i - 2000):i] * rng.randint(1, 5)                    # repeat a piece
        elif op == 4:
            b = b[:i]                                      # truncate
        elif op == 5:
            b[i:i] = rng.choice([b"<table><tr><td rowspan=999999>", b"\\@", b"\x00" * 64,
                                  "（七）总计".encode(), "一、本年新收".encode(), b"%PDF-1.7\n"])
        else:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    return bytes(b)

worst, errors, reports, unexpected = 0.0, 0, 0, []
for k in range(n):
    name, data = seeds[k % len(seeds)]
    case = mutate(data)
    t0 = time.perf_counter()
    try:
        parse_bytes(case, filename=name)
        reports += 1
    except GkwatchError:
        errors += 1
    except Exception:
        unexpected.append((name, hashlib.sha256(case).hexdigest()[:12], traceback.format_exc(limit=3)[-400:]))
    worst = max(worst, time.perf_counter() - t0)
print(json.dumps({"cases": n, "reports": reports, "errors": errors, "unexpected": unexpected[:5],
                  "n_unexpected": len(unexpected), "worst_s": worst,
                  "maxrss_mb": peak_mb()}))
"""


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def test_fuzzed_documents_end_in_a_report_or_a_clear_error() -> None:
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), str(CASES)], capture_output=True,
                          text=True, timeout=900, cwd=ROOT, preexec_fn=_limit)
    assert proc.returncode == 0, proc.stderr[-1500:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["n_unexpected"] == 0, out["unexpected"]
    assert out["reports"] + out["errors"] == CASES
    assert out["worst_s"] < 10, out
    assert out["maxrss_mb"] < 500, out
