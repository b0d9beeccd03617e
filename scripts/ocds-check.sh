#!/usr/bin/env bash
# OCDS 1.1 conformance of what the platform publishes: the debug binary serves a fresh
# demo database, and every release package page (following links.next), one month's
# bulk package and the record packages of a sample of projects are validated against
# the OCDS 1.1.5 release-package and record-package schemas in
# assets/ocds/ocds-standard-1__1__5.zip (jsonschema from PyPI; the schemas' own
# https references resolved to the files in the zip, nothing fetched).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import jsonschema, referencing' 2>/dev/null; then
  python3 -m pip install --quiet 'jsonschema==4.26.0'
fi
ZIP="${OCDS_ZIP:-assets/ocds/ocds-standard-1__1__5.zip}"
BIN="${TONGBAN_BIN:-target/debug/tongban}"
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TONGBAN_LOG=warn "$BIN" demo --db "sqlite://$dir/demo.db" --key-file "$dir/demo.key" \
  --listen "127.0.0.1:$port" --scale 0.002 >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 1
done
python3 - "$ZIP" "http://127.0.0.1:$port" <<'PY'
import json, sys, zipfile, urllib.request, urllib.parse
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

zip_path, base = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(zip_path)
def schema(name):
    return json.loads(z.read(f"standard-1__1__5/schema/{name}"))
registry = Registry()
for name in ["release-schema.json", "release-package-schema.json", "record-package-schema.json",
             "versioned-release-validation-schema.json"]:
    s = schema(name)
    registry = registry.with_resource(
        f"https://standard.open-contracting.org/schema/1__1__5/{name}", Resource(s, specification=DRAFT4))
releases_v = Draft4Validator(schema("release-package-schema.json"), registry=registry)
records_v = Draft4Validator(schema("record-package-schema.json"), registry=registry)

def get(url):
    with urllib.request.urlopen(url) as r:
        assert r.headers.get_content_type() == "application/json", url
        return json.load(r)

def check(validator, doc, what):
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        for e in errors[:10]:
            print(f"{what}: {'/'.join(map(str, e.path))}: {e.message}", file=sys.stderr)
        sys.exit(f"OCDS 校验失败：{what}")

url, pages, releases, ocids, months = f"{base}/ocds/releases", 0, 0, [], set()
while url:
    doc = get(url)
    check(releases_v, doc, url)
    assert doc["version"] == "1.1"
    pages += 1
    releases += len(doc["releases"])
    for r in doc["releases"]:
        months.add(r["date"][:7])
        if r["ocid"] not in ocids and len(ocids) < 200:
            ocids.append(r["ocid"])
    url = doc.get("links", {}).get("next")
tags = set()
for ocid in ocids:
    doc = get(f"{base}/ocds/records?ocid={urllib.parse.quote(ocid)}")
    check(records_v, doc, ocid)
    rec = doc["records"][0]
    assert rec["ocid"] == ocid and rec["compiledRelease"]["tag"] == ["compiled"], ocid
    for r in rec["releases"]:
        tags.update(r["tag"])
month = sorted(months)[len(months) // 2]
bulk = get(f"{base}/ocds/releases/{month}.json")
check(releases_v, bulk, f"bulk {month}")
assert all(r["date"].startswith(month) for r in bulk["releases"])
for t in ["tender", "award", "contract"]:
    assert t in tags, f"no release tagged {t}"
print(f"OCDS 1.1：{pages}页共{releases}个发布（release）、{len(ocids)}个记录（record）、{month}的批量包"
      f"（{len(bulk['releases'])}个发布）均符合 OCDS 1.1.5 模式")
PY
