#!/bin/sh
# Run every capture against a fresh loopback server; writes one JSONL log per run to $OUT.
# Needs: NODE_PATH with @convertcom/js-sdk@4.4.3, PYSDK = python of a venv with
# convert-python-sdk==2.1.0, and openssl. Nothing leaves 127.0.0.1.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
CONFIG=${CONFIG:-$HERE/../configs/ios-sdk__cdn-config-baseline.json}
OUT=${OUT:-/tmp/convert-captures}
PY=${PY:-python3}
mkdir -p "$OUT"

run() {  # run NAME TLS(0|1) COMMAND...
  name=$1; tls=$2; shift 2
  rm -f "$OUT/$name.jsonl"
  flag=""; [ "$tls" = 1 ] && flag="--tls"
  "$PY" "$HERE/capture_server.py" $flag --config "$CONFIG" --log "$OUT/$name.jsonl" > "$OUT/$name.port" &
  pid=$!
  sleep 2
  port=$(awk '{print $2}' "$OUT/$name.port")
  "$@" "$port" || echo "capture $name failed" >&2
  kill "$pid"
}

run js_default 0 node "$HERE/capture_js_sdk.js"
SDK_SECRET=golden-secret run js_secret 0 node "$HERE/capture_js_sdk.js"
SDK_ENVIRONMENT=production run js_production 0 node "$HERE/capture_js_sdk.js"
run py_default 1 "$PYSDK" "$HERE/capture_python_sdk.py"
SDK_ENVIRONMENT=staging run py_staging 1 "$PYSDK" "$HERE/capture_python_sdk.py"
SDK_ENVIRONMENT=production run py_production 1 "$PYSDK" "$HERE/capture_python_sdk.py"
SDK_SECRET=golden-secret run py_secret 1 "$PYSDK" "$HERE/capture_python_sdk.py"
