#!/bin/sh
# Refresh vendor/ from the npm registry (see vendor/README.md). Run from js/.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @convertcom/tracking-types@1.6.1 @convertcom/js-sdk@4.4.3 >/dev/null)
mkdir -p "$tmp/tt" "$tmp/sdk"
tar xzf "$tmp"/convertcom-tracking-types-1.6.1.tgz -C "$tmp/tt"
tar xzf "$tmp"/convertcom-js-sdk-4.4.3.tgz -C "$tmp/sdk"
rm -rf vendor/tracking-types vendor/js-sdk
mkdir -p vendor/tracking-types vendor/js-sdk
cp -r "$tmp"/tt/package/types.d.ts "$tmp"/tt/package/src "$tmp"/tt/package/package.json \
  "$tmp"/tt/package/README.md vendor/tracking-types/
cd "$tmp/sdk/package"
find lib/types lib/enums -name '*.d.ts' | while read -r f; do
  mkdir -p "$OLDPWD/vendor/js-sdk/$(dirname "$f")"
  cp "$f" "$OLDPWD/vendor/js-sdk/$f"
done
cp LICENSE.txt package.json "$OLDPWD/vendor/js-sdk/"
