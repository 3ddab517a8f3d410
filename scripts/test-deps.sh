#!/usr/bin/env bash
# Installs the programs hako's tests drive, only when missing (idempotent).
set -euo pipefail
need=()
[ -x /usr/bin/aws ] || need+=(awscli)
command -v zip >/dev/null || need+=(zip)
command -v unzip >/dev/null || need+=(unzip)
command -v curl >/dev/null || need+=(curl)
# Headless Chromium loads S3 website pages in e2e/s3_web_test.go.
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "test-deps: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -c 'import boto3' 2>/dev/null || echo "test-deps: python3 with boto3 not found; boto3 tests will be skipped" >&2
