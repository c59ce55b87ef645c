#!/usr/bin/env python3
"""Send one SIP OPTIONS over UDP and print the status code of the answer
(or 'timeout'). Usage: sipopt.py HOST PORT"""
import random
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(2)
lport = s.getsockname()[1]
tag = random.randrange(1 << 30)
msg = (f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
       f"Via: SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK{tag}\r\n"
       f"From: <sip:probe@127.0.0.1:{lport}>;tag={tag}\r\n"
       f"To: <sip:{host}:{port}>\r\n"
       f"Call-ID: {tag}@probe\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
       f"Content-Length: 0\r\n\r\n")
s.sendto(msg.encode(), (host, port))
try:
    data = s.recv(4096).decode(errors="replace")
    print(data.split(" ", 2)[1])
except socket.timeout:
    print("timeout")
