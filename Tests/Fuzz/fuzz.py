#!/usr/bin/env python3
"""`make fuzz`: mutates the committed clips and the default model with a fixed seed for a set time,
runs ebtvid on each mutant, and fails on anything outside what the README promises.

Mutants of a clip: bit flips, a truncation, a zeroed run, a repeated run, and container box sizes
(mp4 atoms) set to 0, 1, 2^31-1 or past the end. Mutants of the model: bit flips in the data or
the header, a truncation, a header length past the end or huge, and shape or offset fields in the
JSON header set to huge, negative or overflowing numbers.

Each clip mutant goes through `info`, `frames` (to a .npy) and `predict`; each model mutant
through `predict --model` on a committed clip. A run fails the fuzz when it
- is killed by a signal (a crash or trap) or runs past the time limit (a hang),
- exits with a code other than 0 or 1,
- exits 1 without a last stderr line beginning "error:",
- or leaves files behind: after a failure, no output at all; after success, only the outputs it
  names; never a hidden partial file.
Prints one line per problem (with the mutant kept in --keep) and the count of inputs tried.
"""
import argparse
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

MP4_BOXES = [b"ftyp", b"moov", b"mvhd", b"trak", b"tkhd", b"mdia", b"mdhd", b"hdlr", b"minf", b"stbl",
             b"stsd", b"stts", b"stsc", b"stsz", b"stco", b"co64", b"avcC", b"mdat", b"edts", b"elst"]


def flip_bits(data, rng):
    out = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(data, rng):
    return data[:rng.randrange(1, max(2, len(data)))]


def zero_run(data, rng):
    out = bytearray(data)
    start = rng.randrange(len(out))
    length = rng.randint(1, 4096)
    out[start:start + length] = bytes(min(length, len(out) - start))
    return bytes(out)


def repeat_run(data, rng):
    start = rng.randrange(len(data))
    length = rng.randint(1, 4096)
    return data[:start] + data[start:start + length] * rng.randint(2, 4) + data[start:]


def box_size(data, rng):
    """Sets the 32-bit size before one occurrence of a known mp4 box type to a hostile value."""
    places = [i - 4 for box in MP4_BOXES for i in find_all(data, box) if i >= 4]
    if not places:
        return flip_bits(data, rng)
    i = rng.choice(places)
    value = rng.choice([0, 1, 7, 0x7FFFFFFF, 0xFFFFFFFF, len(data) + rng.randint(1, 1 << 20)])
    return data[:i] + struct.pack(">I", value) + data[i + 4:]


def find_all(data, needle):
    at = data.find(needle)
    while at >= 0:
        yield at
        at = data.find(needle, at + 1)


CLIP_MUTATORS = [flip_bits, truncate, zero_run, repeat_run, box_size]


def split_model(data):
    length = struct.unpack("<Q", data[:8])[0]
    return length, data[8:8 + length], data[8 + length:]


def header_field(data, rng):
    """A shape or data offset of one tensor in the JSON header set to a hostile number."""
    length, header, body = split_model(data)
    try:
        table = json.loads(header)
    except ValueError:
        return flip_bits(data, rng)
    names = [k for k in table if k != "__metadata__"]
    name = rng.choice(names)
    hostile = rng.choice([0, -1, 2**31, 2**32 + 1, 2**62, 2**63 - 1, 10**30, len(body) + 1])
    entry = table[name]
    if rng.random() < 0.5 and entry.get("shape"):
        entry["shape"][rng.randrange(len(entry["shape"]))] = hostile
    else:
        entry["data_offsets"][rng.randrange(2)] = hostile
    if rng.random() < 0.3:
        entry["dtype"] = rng.choice(["F64", "I8", "BOGUS"])
    text = json.dumps(table).encode()
    return struct.pack("<Q", len(text)) + text + body


def header_length(data, rng):
    length, _, _ = split_model(data)
    value = rng.choice([0, 1, length - 1, length + 1, len(data), 2**40, 2**64 - 1])
    return struct.pack("<Q", value) + data[8:]


def flip_header(data, rng):
    length, header, body = split_model(data)
    return data[:8] + flip_bits(header, rng) + body


def flip_body(data, rng):
    length, header, body = split_model(data)
    return data[:8 + length] + flip_bits(body, rng)


MODEL_MUTATORS = [flip_body, flip_header, header_field, header_length, truncate]


class Fuzzer:
    def __init__(self, binary, work, keep, timeout):
        self.binary, self.work, self.keep, self.timeout = binary, work, keep, timeout
        self.problems = 0

    def run(self, arguments, outputs, mutant, label):
        """Runs one command in a fresh folder; `outputs` are the names it may leave there on success."""
        folder = tempfile.mkdtemp(dir=self.work)
        try:
            try:
                done = subprocess.run([self.binary] + arguments, cwd=folder, capture_output=True, timeout=self.timeout,
                                      env=dict(os.environ, EBTVID_FFMPEG_LOG=""))
            except subprocess.TimeoutExpired:
                return self.problem(label, mutant, f"hang: no exit within {self.timeout} s")
            stderr = done.stderr.decode(errors="replace").strip().splitlines()
            left = sorted(os.listdir(folder))
            if done.returncode < 0:
                return self.problem(label, mutant, f"killed by signal {-done.returncode}: {stderr[-1:] or ''}")
            if done.returncode not in (0, 1):
                return self.problem(label, mutant, f"exit {done.returncode}: {stderr[-1:] or ''}")
            if done.returncode == 1 and not (stderr and stderr[-1].startswith("error:")):
                return self.problem(label, mutant, f"exit 1 without an error line: {stderr[-3:]}")
            allowed = set(outputs) if done.returncode == 0 else set()
            stray = [name for name in left if name not in allowed]
            if stray:
                return self.problem(label, mutant, f"exit {done.returncode} left {stray}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def problem(self, label, mutant, what):
        self.problems += 1
        kept = os.path.join(self.keep, f"{self.problems:03d}-{os.path.basename(mutant)}")
        shutil.copy(mutant, kept)
        print(f"problem {self.problems}: {label}: {what} (input kept as {kept})", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--clips", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--keep", default="outputs/fuzz")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    clips = sorted(os.path.abspath(os.path.join(args.clips, n)) for n in os.listdir(args.clips) if n.endswith(".mp4"))
    model = open(args.model, "rb").read()
    os.makedirs(args.keep, exist_ok=True)
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="ebtvid-fuzz-")
    fuzzer = Fuzzer(binary, work, os.path.abspath(args.keep), args.timeout)
    tried = 0
    deadline = time.monotonic() + args.seconds
    try:
        while time.monotonic() < deadline:
            tried += 1
            if rng.random() < 0.6:
                source = rng.choice(clips)
                mutator = rng.choice(CLIP_MUTATORS)
                mutant = os.path.join(work, f"clip-{tried}-{mutator.__name__}.mp4")
                open(mutant, "wb").write(mutator(open(source, "rb").read(), rng))
                label = f"{mutator.__name__} of {os.path.basename(source)}"
                fuzzer.run(["info", mutant], [], mutant, "info " + label)
                fuzzer.run(["frames", mutant, "--size", "32", "--max-frames", "8", "--out", "frames.npy"], ["frames.npy"],
                           mutant, "frames " + label)
                fuzzer.run(["predict", mutant, "--horizon", "2", "--out", "prediction"], ["prediction"], mutant, "predict " + label)
            else:
                mutator = rng.choice(MODEL_MUTATORS)
                mutant = os.path.join(work, f"model-{tried}-{mutator.__name__}.safetensors")
                open(mutant, "wb").write(mutator(model, rng))
                fuzzer.run(["predict", clips[0], "--model", mutant, "--horizon", "2", "--out", "prediction"], ["prediction"],
                           mutant, f"predict --model ({mutator.__name__})")
            os.remove(mutant)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"fuzz: {tried} inputs tried in {args.seconds:.0f} s (seed {args.seed}), {fuzzer.problems} problems")
    sys.exit(1 if fuzzer.problems else 0)


if __name__ == "__main__":
    main()
