"""Runs a command with its standard input on a pseudo-terminal, as a user at a shell would;
with --stdout first, its standard output and error are on the terminal too.

Prints what the command wrote (stdout and stderr together), then 'exit code N'. A command
still waiting after 20 seconds is killed and reported as 'timed out', so a test of "does not
wait on the terminal" fails instead of hanging.
Usage: on_tty.py [--stdout] COMMAND [ARGS...]
"""
import os
import pty
import subprocess
import sys

args = sys.argv[1:]
all_on_tty = args[:1] == ["--stdout"]
if all_on_tty:
    args = args[1:]
master, slave = pty.openpty()
out_to = slave if all_on_tty else subprocess.PIPE
proc = subprocess.Popen(args, stdin=slave, stdout=out_to, stderr=subprocess.STDOUT)
os.close(slave)
try:
    if all_on_tty:
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the command closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        out = b"".join(chunks)
        proc.wait(timeout=20)
    else:
        out, _ = proc.communicate(timeout=20)
    sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
    print(f"exit code {proc.returncode}")
except subprocess.TimeoutExpired:
    proc.kill()
    proc.communicate()
    print("timed out waiting for the command")
finally:
    os.close(master)
