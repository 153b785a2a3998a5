#!/usr/bin/env bash
# The soak: the "any input" property tests of every webhook with 10,000+ examples.
#   make soak                 (SIGNPOST_FUZZ_EXAMPLES=50000 make soak for more)
set -euo pipefail
cd "$(dirname "$0")/../.."
export SIGNPOST_FUZZ_EXAMPLES="${SIGNPOST_FUZZ_EXAMPLES:-10000}"
echo "soak: ${SIGNPOST_FUZZ_EXAMPLES} examples spread over every webhook URL"
exec .venv/bin/python -m pytest tests/service/test_fuzz.py tests/flows/test_sms_flow.py \
  --timeout 3600 -q "$@"
