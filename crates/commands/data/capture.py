#!/usr/bin/env python3
"""Captures Redis 7.0.15's COMMAND INFO and COMMAND DOCS replies (RESP3) into
command-info.resp and command-docs.resp beside this script. The server
serves these facts for the commands it implements, so `COMMAND` output
matches Redis exactly. Usage: capture.py PORT (a redis-server 7.0.15)."""
import socket, sys, os, time

def cmd(s, *args):
    out = b'*%d\r\n' % len(args)
    for a in args:
        a = a.encode()
        out += b'$%d\r\n%s\r\n' % (len(a), a)
    s.sendall(out)

def read_all(s, idle=0.5):
    s.settimeout(idle)
    data = b''
    while True:
        try:
            chunk = s.recv(1 << 20)
        except socket.timeout:
            return data
        if not chunk:
            return data
        data += chunk

port = int(sys.argv[1])
here = os.path.dirname(os.path.abspath(__file__))
s = socket.create_connection(('127.0.0.1', port))
cmd(s, 'HELLO', '3')
read_all(s)
for sub, name in (('INFO', 'command-info.resp'), ('DOCS', 'command-docs.resp')):
    cmd(s, 'COMMAND', sub)
    data = read_all(s, 1.0)
    with open(os.path.join(here, name), 'wb') as f:
        f.write(data)
    print(name, len(data))
