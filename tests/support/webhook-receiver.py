#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# webhook-receiver.py OUT PORTFILE: an HTTP server on 127.0.0.1 that stands in for a paging system
# behind Alertmanager's webhook_configs. It binds a port the kernel picks (no race with another
# test for a "free" port), writes that port to PORTFILE (whole, by rename: a reader never sees
# half of it), and appends the body of each POST to OUT as one line of JSON, answering 200. A
# body that is not JSON gets 400 and is not written, so OUT holds only what Alertmanager sent.
# Stopped by SIGTERM (its pid).
import http.server
import json
import os
import signal
import sys

out, portfile = sys.argv[1], sys.argv[2]


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            line = json.dumps(json.loads(body), sort_keys=True)
        except ValueError:
            self.send_response(400)
            self.end_headers()
            return
        with open(out, "a") as f:
            f.write(line + "\n")
        self.send_response(200)
        self.end_headers()

    def log_message(self, fmt, *args):
        # One stderr line per request, for the test's log.
        sys.stderr.write("webhook-receiver: %s\n" % (fmt % args))


server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % server.server_address[1])
os.rename(portfile + ".tmp", portfile)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
server.serve_forever()
