"""Container healthcheck: `python deploy/healthcheck.py [URL]`.

Exits 0 when URL (default: the readiness endpoint on this container) answers 2xx within
the timeout, 1 otherwise, printing why. It stands in for `curl -f`, which the slim image
does not carry: one less binary in a production image.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://localhost:8000/api/v1/ready"


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else os.environ.get("HEALTHCHECK_URL", DEFAULT_URL)
    if not url.startswith(("http://", "https://")):
        print(f"unhealthy: not an http(s) URL: {url}")
        return 1
    timeout = float(os.environ.get("HEALTHCHECK_TIMEOUT", "5"))
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) only, checked above
            status = response.status
    except urllib.error.HTTPError as exc:
        print(f"unhealthy: {url} answered {exc.code}: {exc.read()[:300]!r}")
        return 1
    except (OSError, ValueError) as exc:
        print(f"unhealthy: {url}: {exc}")
        return 1
    if not 200 <= status < 300:
        print(f"unhealthy: {url} answered {status}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
