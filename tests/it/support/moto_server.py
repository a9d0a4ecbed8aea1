"""Runs the moto AWS emulator for one test process.

Usage: python3 moto_server.py <port>. Prints "ready" once it serves, then runs until its
stdin closes, which happens when the test process that started it exits for any reason:
the emulator never outlives its tests.
"""
import sys

from moto.server import ThreadedMotoServer

port = int(sys.argv[1])
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
print("ready", flush=True)
sys.stdin.read()
server.stop()
