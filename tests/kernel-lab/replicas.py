#!/usr/bin/env python3
"""Replicas for the kernel lab's failover scenarios (host side).

replicas.py DIR CONTROL_PORT NAME:NFS_PORT:MOUNT_PORT:EXPORT...

Each NAME is a server of its own: an nfs-ganesha process exporting EXPORT
read-only over NFSv3/TCP, reached at NFS_PORT and MOUNT_PORT through a
relay of this script's, so that one server can be killed, stopped or
slowed without touching the others. The guest says what to do on
CONTROL_PORT, one command a connection, answered "ok" or "? why":

  kill NAME        SIGKILL to its ganesha (its connections reset; new ones
                   are refused: accepted and closed at once)
  stop NAME        SIGSTOP (a hung server: connections stay, no replies)
  cont NAME        SIGCONT
  start NAME       a new ganesha after a kill
  delay NAME MS    every reply of it held back MS milliseconds (0: none)

Ganesha listens on NFS_PORT+1000 and MOUNT_PORT+1000. Registered with the
lab's one rpcbind, the last one started wins there: the guest mounts with
port= and mountport=, as amd's probes then use. On SIGTERM every ganesha
is continued and terminated, and the script exits.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque

work, control_port = sys.argv[1], int(sys.argv[2])
servers = {}
lock = threading.Lock()


class Server:
    def __init__(self, name, nfs_port, mount_port, export):
        self.name, self.export = name, export
        self.ports = {nfs_port: nfs_port + 1000, mount_port: mount_port + 1000}
        self.nfs_port, self.mount_port = nfs_port, mount_port
        self.delay = 0.0
        self.proc = None
        self.conf = os.path.join(work, name + ".conf")
        with open(self.conf, "w") as f:
            f.write("NFS_CORE_PARAM { Protocols = 3; NFS_Port = %d; MNT_Port = %d; "
                    "Enable_NLM = false; Enable_RQUOTA = false; }\n"
                    % (nfs_port + 1000, mount_port + 1000))
            f.write("EXPORT { Export_Id = 1; Path = %s; Pseudo = %s; Access_Type = RO; "
                    "Squash = No_Root_Squash; Protocols = 3; Transports = TCP; SecType = sys; "
                    "FSAL { Name = VFS; } }\n" % (export, export))
            f.write("LOG { Default_Log_Level = WARN; }\n")

    def start(self):
        self.proc = subprocess.Popen(
            ["ganesha.nfsd", "-F", "-f", self.conf, "-L",
             os.path.join(work, self.name + ".log"), "-p",
             os.path.join(work, self.name + ".pid")])
        deadline = time.time() + 20
        while time.time() < deadline:  # up once MOUNT answers a connection
            try:
                socket.create_connection(("127.0.0.1", self.mount_port + 1000), 0.2).close()
                return True
            except OSError:
                time.sleep(0.1)
        return False

    def signal(self, sig):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)


def pump(src, dst, server, delayed):
    """src to dst; replies (delayed) held back server.delay each."""
    queue, ready = deque(), threading.Condition()
    done = [False]

    def sender():
        while True:
            with ready:
                while not queue and not done[0]:
                    ready.wait()
                if not queue:
                    break
                due, data = queue.popleft()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                dst.sendall(data)
            except OSError:
                break
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            with ready:
                queue.append((time.monotonic() + (server.delay if delayed else 0), data))
                ready.notify()
    except OSError:
        pass
    with ready:
        done[0] = True
        ready.notify()
    t.join()
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def relay(server, public, private):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", public))
    ls.listen(64)
    while True:
        c, _ = ls.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            u = socket.create_connection(("127.0.0.1", private), 1)
        except OSError:
            c.close()  # a dead server: nothing listens
            continue
        u.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def both(c=c, u=u):
            a = threading.Thread(target=pump, args=(c, u, server, False), daemon=True)
            a.start()
            pump(u, c, server, True)
            a.join()
            c.close()
            u.close()

        threading.Thread(target=both, daemon=True).start()


def command(line):
    words = line.split()
    if len(words) < 2 or words[1] not in servers:
        return "? usage: kill|stop|cont|start NAME, delay NAME MS"
    s = servers[words[1]]
    with lock:
        if words[0] == "kill":
            s.signal(signal.SIGKILL)
            s.proc.wait()
        elif words[0] == "stop":
            s.signal(signal.SIGSTOP)
        elif words[0] == "cont":
            s.signal(signal.SIGCONT)
        elif words[0] == "start":
            if s.proc and s.proc.poll() is None:
                return "? running"
            if not s.start():
                return "? did not start"
        elif words[0] == "delay" and len(words) == 3:
            s.delay = float(words[2]) / 1000
        else:
            return "? unknown command"
    return "ok"


def leave(*_):
    for s in servers.values():
        s.signal(signal.SIGCONT)
        s.signal(signal.SIGTERM)
    for s in servers.values():
        if s.proc:
            try:
                s.proc.wait(10)
            except subprocess.TimeoutExpired:
                s.signal(signal.SIGKILL)
    os._exit(0)


signal.signal(signal.SIGTERM, leave)
for spec in sys.argv[3:]:
    name, nfs_port, mount_port, export = spec.split(":", 3)
    servers[name] = Server(name, int(nfs_port), int(mount_port), export)
for s in servers.values():
    if not s.start():
        print("replicas.py: ganesha for %s did not start" % s.name, file=sys.stderr)
        leave()
    for public, private in s.ports.items():
        threading.Thread(target=relay, args=(s, public, private), daemon=True).start()
ctl = socket.socket()
ctl.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ctl.bind(("0.0.0.0", control_port))
ctl.listen(8)
open(os.path.join(work, "replicas.ready"), "w").close()
while True:
    c, _ = ctl.accept()
    try:
        c.sendall((command(c.recv(256).decode(errors="replace").strip()) + "\n").encode())
    except Exception as e:  # a bad command never ends the servers
        c.sendall(("? %s\n" % e).encode())
    c.close()
