"""Split capture logs (JSONL from capture_server.py) into one JSON file per request.

Usage: python split_captures.py CAPTURE_DIR OUT_DIR
For each CAPTURE_DIR/<run>.jsonl writes OUT_DIR/<run>/NN-<step>.json, where <step> is
"config-request" before the first GET /marker/<step> and then the marker's name;
a step with no request (e.g. a deduplicated conversion) gets NN-<step>.NONE.json
holding null. Markers themselves are dropped. Headers become an object that keeps the
names' case as received.
"""

import json
import os
import sys


def split(log_path, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    step, count, seen = "config-request", 0, {"config-request": 0}
    pending = []

    def flush_step():
        if seen.get(step) == 0 and step != "config-request":
            nonlocal count
            count += 1
            with open(os.path.join(out_dir, f"{count:02d}-{step}.NONE.json"), "w") as fh:
                fh.write("null\n")

    with open(log_path) as fh:
        for line in fh:
            entry = json.loads(line)
            if entry["path"].startswith("/marker/"):
                flush_step()
                step = entry["path"].rsplit("/", 1)[1]
                seen[step] = 0
                continue
            count += 1
            seen[step] += 1
            entry["headers"] = {k: v for k, v in entry["headers"]}
            name = f"{count:02d}-{step}.json"
            with open(os.path.join(out_dir, name), "w") as out:
                json.dump(entry, out, indent=2)
                out.write("\n")
            pending.append(name)
    flush_step()
    return pending


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    for name in sorted(os.listdir(src)):
        if name.endswith(".jsonl"):
            run = name[: -len(".jsonl")]
            print(run, split(os.path.join(src, name), os.path.join(dst, run)))
