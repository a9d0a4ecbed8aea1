"""Runs the moto AWS emulator for one test process.

Usage: python3 moto_server.py <port>. Prints "ready" once it serves, then runs until its
stdin closes, which happens when the test process that started it exits for any reason:
the emulator never outlives its tests.
"""
import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import ThreadedMotoServer

# DynamoDB checks a condition and writes atomically; moto's server handles requests on threads
# and does not, so under load two conditional writers could both win there. One lock around
# its item operations gives the emulator the service's semantics (the conformance suite's
# concurrent-writers test relies on them).
_ITEM_LOCK = threading.RLock()


def _serialised(method):
    @functools.wraps(method)
    def locked(*args, **kwargs):
        with _ITEM_LOCK:
            return method(*args, **kwargs)

    return locked


for _name in (
    "get_item",
    "batch_get_item",
    "put_item",
    "update_item",
    "delete_item",
    "batch_write_item",
    "transact_get_items",
    "transact_write_items",
    "query",
):
    setattr(DynamoDBBackend, _name, _serialised(getattr(DynamoDBBackend, _name)))

port = int(sys.argv[1])
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
print("ready", flush=True)
sys.stdin.read()
server.stop()
