"""Runs a command with its standard input on a pseudo-terminal, as a user at a shell would.

Prints what the command wrote (stdout and stderr together), then 'exit code N'. A command
still waiting after 20 seconds is killed and reported as 'timed out', so a test of "does not
wait on the terminal" fails instead of hanging.
Usage: on_tty.py COMMAND [ARGS...]
"""
import os
import pty
import subprocess
import sys

master, slave = pty.openpty()
proc = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
os.close(slave)
try:
    out, _ = proc.communicate(timeout=20)
    sys.stdout.write(out.decode(errors="replace"))
    print(f"exit code {proc.returncode}")
except subprocess.TimeoutExpired:
    proc.kill()
    proc.communicate()
    print("timed out waiting for the command")
finally:
    os.close(master)
