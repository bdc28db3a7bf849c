"""Drive Convert's Python SDK (convert-python-sdk, from PyPI) against a loopback capture server.

Usage: [SDK_SECRET=...] [SDK_ENVIRONMENT=...] python capture_python_sdk.py PORT
Requires capture_server.py listening on 127.0.0.1:PORT with --tls (the SDK accepts only
https:// endpoints), serving one of the configs under ../configs/. Run it with the
interpreter of a throwaway venv that has `pip install convert-python-sdk==2.1.0`.

Only public options are used: TransportConfig(base_url, track_base_url, verify_tls=False)
to point both endpoints at the loopback server with its self-signed certificate, plus
auth_secret and SDKConfig.environment when given.
The SDK flushes only when asked (or at 10 queued events), so each step ends with
core.flush() and shows up as its own POST.
"""

import os
import sys

import httpx
from convert_sdk import Core, SDKConfig, TransportConfig

port = sys.argv[1]
environment = os.environ.get("SDK_ENVIRONMENT")
secret = os.environ.get("SDK_SECRET")
base = f"https://127.0.0.1:{port}"


def step(name):
    httpx.get(f"{base}/marker/{name}", verify=False)


transport = TransportConfig(
    base_url=base, track_base_url=f"{base}/v1", verify_tls=False, auth_secret=secret
)
core = Core(
    SDKConfig(sdk_key="10035569/10034190", environment=environment, transport=transport)
).initialize()
ctx = core.create_context("visitor-golden-1")

step("bucketing")
result = ctx.run_experience(
    "test-experience-ab-fullstack-4", location_attributes={"location": "pricing"}
)
print("bucketed into", result and result.variation_id, file=sys.stderr)
core.flush()

step("conversion-no-revenue")
ctx.track_conversion("increase-engagement")
core.flush()

step("conversion-with-revenue")
ctx.track_conversion(
    "button-primary-click",
    revenue=10.3,
    conversion_data={"productsCount": 2, "transactionId": "txn-1001"},
)
core.flush()

step("conversion-repeat-same-goal")
ctx.track_conversion("increase-engagement")
core.flush()

step("revenue-force-multiple")
ctx.track_conversion(
    "button-primary-click",
    revenue=5,
    conversion_data={"productsCount": 1, "transactionId": "txn-1002"},
    force_multiple=True,
)
core.flush()
core.close()
