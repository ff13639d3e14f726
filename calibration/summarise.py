#!/usr/bin/env python3
"""Facts for calibration/baseline.md: every finding sockscope raises on each
calibration capture, and a check of its connections and dialogue against
tshark's.

For each capture: the findings (id, severity, frame, provenance, message);
per connection, sockscope's segment and payload byte counts beside tshark's
(frames from `-z conv,tcp`, payload from the sum of `tcp.len` per direction);
sockscope's command verbs and reply codes beside tshark's SMTP/POP dissection
(tshark keeps four letters of a verb, so verbs are compared on those); and
sockscope's pairing (each reply's `answers`) beside the plain lock-step
pairing in order (RFC 5321 §4.3.1; RFC 1939 §3; under PIPELINING the replies
still come in command order, RFC 2920 §3.1). The expected classification of
each capture is read from calibration/expected.tsv.

Usage: summarise.py [--sockscope BIN] [--check] CAPTURE-DIR > facts.md
"""

import argparse
import collections
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def sockscope_records(binary, path):
    out = subprocess.run([binary, "report", "--json", path], capture_output=True,
                         text=True, check=False).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def tshark(path, *args):
    return subprocess.run(["tshark", "-r", path, *args], capture_output=True,
                          text=True, check=False).stdout


def tshark_conns(path):
    """Per tcp.stream: client endpoint, frames, payload bytes each way."""
    rows = tshark(path, "-T", "fields", "-e", "tcp.stream", "-e", "ip.src",
                  "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "tcp.len",
                  "-e", "tcp.flags.syn", "-e", "tcp.flags.ack")
    conns = collections.OrderedDict()
    for row in rows.splitlines():
        stream, ip4, ip6, port, length, syn, ack = row.split("\t")
        src = "%s:%s" % (ip4 or "[%s]" % ip6, port)
        c = conns.setdefault(stream, {"client": None, "frames": 0, "c2s": 0, "s2c": 0})
        if c["client"] is None and syn == "1" and ack == "0":
            c["client"] = src
        c["frames"] += 1
        c["c2s" if src == c["client"] else "s2c"] += int(length or 0)
    return list(conns.values())


def tshark_dialogue(path, port_of):
    """Commands and reply codes as tshark dissects them, per client port."""
    # The calibration's non-standard ports are decoded as SMTP.
    rows = tshark(path, "-d", "tcp.port==8025,smtp", "-d", "tcp.port==2525,smtp",
                  "-T", "fields", "-e", "tcp.srcport", "-e", "tcp.dstport",
                  "-e", "smtp.req.command", "-e", "smtp.response.code",
                  "-e", "pop.request.command", "-e", "pop.response.indicator")
    seq = collections.defaultdict(list)
    for row in rows.splitlines():
        sport, dport, scmd, scode, pcmd, pind = row.split("\t")
        key = sport if sport in port_of else dport
        # A field holds one value per command or reply in the frame (tshark
        # gives a multi-line SMTP reply one code).
        for cmd in filter(None, (scmd + "," + pcmd).split(",")):
            seq[key].append("C " + cmd.upper()[:4])
        for code in filter(None, (scode + "," + pind).split(",")):
            seq[key].append("S " + code)
    return seq


def lock_step(commands, replies):
    """The verb each reply answers when replies come in command order."""
    verbs = [c["verb"].upper() for c in commands]
    out, i = [], 0
    for r in replies[1:]:  # replies[0] is the greeting
        code = str(r["code"])
        if i >= len(verbs):
            out.append(None)
            continue
        out.append(verbs[i])
        # 354 / 334 / "+" ask for more from the same command.
        if not (code in ("354", "334", "+") or
                (verbs[i] == "DATA" and code == "354")):
            i += 1
    return out


def fmt_findings(findings, judge):
    if not findings:
        return ["(no finding)"]
    lines = ["| conn | frame | severity | id | provenance | message (first 150 characters) | judgement |",
             "|---|---|---|---|---|---|---|"]
    for f in findings:
        msg = f["message"].replace("|", "\\|")
        if len(msg) > 150:
            msg = msg[:147] + "…"
        lines.append("| %s | %s | %s | `%s` | %s | %s | %s |" % (
            f.get("conn", "—"), f.get("frame", "—"), f["severity"], f["id"],
            f.get("provenance", ""), msg, judge(f["id"])))
    return lines


def tsv_rows(name, width):
    """The rows of calibration/NAME (tab-separated, '#' comments), WIDTH
    fields each (missing trailing ones empty; the last keeps any tabs)."""
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t", width - 1)
            yield fields + [""] * (width - len(fields))


def judgements():
    """(capture or '*', id) → the judgement text of calibration/judgements.tsv."""
    return {(cap, fid): text for cap, fid, text in tsv_rows("judgements.tsv", 3)}


def check_conns(recs, ts):
    conns = [r for r in recs if r["type"] == "connection"]
    notes = []
    if len(conns) != len(ts):
        notes.append("connections: sockscope %d, tshark %d" % (len(conns), len(ts)))
    for c, t in zip(conns, ts):
        ours = (c["segments_c2s"] + c["segments_s2c"], c["bytes_c2s"], c["bytes_s2c"])
        theirs = (t["frames"], t["c2s"], t["s2c"])
        tag = "equal" if ours == theirs else "DIFFERENT"
        notes.append("conn %d %s → %s: frames/bytes c2s/s2c sockscope %s, tshark %s: %s"
                     % (c["id"], c["client"], c["server"], ours, theirs, tag))
    return notes


def check_dialogue(recs, path):
    conns = [r for r in recs if r["type"] == "connection"]
    port_of = {c["client"].rsplit(":", 1)[1]: c["id"] for c in conns}
    theirs = tshark_dialogue(path, port_of)
    notes = []
    for c in conns:
        cid = c["id"]
        items = [r for r in recs if r.get("conn") == cid and r["type"] in ("command", "reply")]
        items.sort(key=lambda r: (r["frame"], 0 if r["type"] == "command" else 1))
        ours = [("C " + r["verb"].upper()[:4]) if r["type"] == "command"
                else "S " + str(r["code"]) for r in items]
        other = theirs.get(c["client"].rsplit(":", 1)[1], [])
        if ours == other:
            notes.append("conn %d dialogue: equal to tshark's (%d items)" % (cid, len(ours)))
        else:
            notes.append("conn %d dialogue DIFFERS from tshark's:<br>sockscope `%s`<br>tshark `%s`"
                         % (cid, " ".join(ours), " ".join(other)))
        commands = [r for r in recs if r.get("conn") == cid and r["type"] == "command"]
        replies = [r for r in recs if r.get("conn") == cid and r["type"] == "reply"]
        expect = lock_step(commands, replies)
        got = [r.get("answers") for r in replies[1:]]
        got = [g.upper() if g else None for g in got]
        if got != expect:
            notes.append("conn %d pairing DIFFERS from lock-step:<br>sockscope `%s`<br>lock-step `%s`"
                         % (cid, got, expect))
    return notes


def expected():
    """capture → (class, the warning/error ids it must raise), from expected.tsv."""
    return {name: (cls, set(filter(None, ids.split(","))))
            for name, cls, ids, _infos in tsv_rows("expected.tsv", 4)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sockscope", default=os.environ.get("SOCKSCOPE", "sockscope"))
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if a capture's warnings/errors are not as expected.tsv says")
    ap.add_argument("dir")
    a = ap.parse_args()
    failed = 0
    exp = expected()
    judged = judgements()
    tally = collections.Counter()
    missed = []
    for name in sorted(os.listdir(a.dir)):
        if not name.endswith(".pcapng"):
            continue
        path = os.path.join(a.dir, name)
        base = name[:-len(".pcapng")]
        recs = sockscope_records(a.sockscope, path)
        findings = [r for r in recs if r["type"] == "finding"]
        cls, ids = exp.get(base, ("?", set()))
        raised = {f["id"] for f in findings if f["severity"] in ("warning", "error")}
        verdict = "as expected" if raised == ids else \
            "NOT as expected: raised %s, expected %s" % (sorted(raised), sorted(ids))
        failed += raised != ids
        for f in findings:
            if f["severity"] != "info":
                tally[(cls, f["id"], f["severity"], base)] += 1
        for fid in ids - raised:
            missed.append((base, fid))
        print("### %s\n" % base)
        print("*%s*; warnings/errors %s.\n" % (cls, verdict))
        def judge(fid, base=base):
            return judged.get((base, fid), judged.get(("*", fid), ""))
        print("\n".join(fmt_findings(findings, judge)) + "\n")
        for note in check_conns(recs, tshark_conns(path)) + check_dialogue(recs, path):
            print("* " + note)
        print()
    print("### Tally: unexpected warnings and errors, by id\n")
    per_id = collections.defaultdict(lambda: [set(), set(), 0])
    for (cls, fid, sev, base), n in tally.items():
        if fid in exp.get(base, ("?", set()))[1]:
            continue
        entry = per_id[(fid, sev)]
        entry[0 if cls == "normal" else 1].add(base)
        entry[2] += n
    for (fid, sev), (normal, abnormal, n) in sorted(
            per_id.items(), key=lambda kv: (-len(kv[1][0]) - len(kv[1][1]), kv[0])):
        print("* `%s` (%s): %d normal and %d abnormal captures, %d findings"
              % (fid, sev, len(normal), len(abnormal), n))
    for base, fid in missed:
        print("* missed: `%s` on %s" % (fid, base))
    return 1 if a.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
