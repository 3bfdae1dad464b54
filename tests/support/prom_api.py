# SPDX-License-Identifier: MIT
"""Prometheus's HTTP API as the e2e tests' checking programs ask it
(test-prometheus.sh, test-fleet.sh): loopback only, never through a proxy
from the environment, and a failed query ends the program with its error."""
import json
import urllib.error
import urllib.parse
import urllib.request

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def api(port, path, **args):
    """The data of /api/v1/<path>?<args> on 127.0.0.1:<port>."""
    url = "http://127.0.0.1:%s/api/v1/%s?%s" % (port, path, urllib.parse.urlencode(args))
    try:
        with _opener.open(url, timeout=10) as r:
            answer = json.load(r)
    except urllib.error.HTTPError as e:
        answer = json.load(e)
    if answer.get("status") != "success":
        raise SystemExit("FAIL: %s %s: %s" % (path, args, answer.get("error")))
    return answer["data"]


def near(a, b, rel):
    """a within rel (relative) of b."""
    return abs(a - b) <= rel * abs(b)
