#!/usr/bin/python3
"""What `tcptalk` remembers between two real runs, ended the way people end them.

Opens both windows (`tcptalk`), moves and resizes each as a window manager would (xdotool),
opens a second server session as a tab through the ＋ menu and types a port into it (over
AT-SPI, as windows.py does), then ends the process with SIGTERM (a logout, `kill`), which must
close the windows as their close button does: exit 0, everything saved. The second run must
open both windows where and as large as they were left, with the tab back and its port in it.
It then ends with SIGINT (Ctrl+C in the terminal that started it), exit 0 again.

Run it inside a D-Bus session of its own (the Rust test does):
    dbus-run-session -- /usr/bin/python3 tests/atspi/remembered.py TCPTALK

Needs what windows.py needs, and xdotool. Exit 0 when every check held; otherwise it says which
and exits 1.
"""

import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import windows as w  # noqa: E402 (the helpers sit next to this script)

# Where each window is left: inside the 1400x900 screen, not where either opens by default.
PLACES = {"服务器": (30, 40, 820, 620), "客户端": (560, 120, 700, 560)}


def x_windows(env, pid):
    """The process's mapped windows by title."""
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
                           env=env, stdout=subprocess.PIPE, text=True).stdout.split()
    titles = {}
    for window in found:
        name = subprocess.run(["xdotool", "getwindowname", window], env=env,
                              stdout=subprocess.PIPE, text=True).stdout.strip()
        titles[name] = window
    return titles


def geometry(env, window):
    shell = subprocess.run(["xdotool", "getwindowgeometry", "--shell", window], env=env,
                           stdout=subprocess.PIPE, text=True, check=True).stdout
    values = dict(line.split("=", 1) for line in shell.split())
    return tuple(int(values[key]) for key in ("X", "Y", "WIDTH", "HEIGHT"))


def start(tcptalk, env, scratch, procs):
    proc = subprocess.Popen([tcptalk, "--lang", "zh"], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(f"{scratch}/stderr", "a"))
    procs.append(proc)
    app = w.wait_for("both windows on the accessibility bus",
                     lambda: (a := w.app_of(proc.pid)) and all(
                         name in w.frames(a) for name in PLACES) and a)
    mapped = w.wait_for("both windows mapped", lambda: (
        (found := x_windows(env, proc.pid)) and all(name in found for name in PLACES) and found))
    return proc, w.frames(app), mapped


def end_with(proc, signum):
    proc.send_signal(signum)
    try:
        code = proc.wait(timeout=w.WAIT)
    except subprocess.TimeoutExpired:
        raise w.Failed(f"tcptalk did not close within {w.WAIT:.0f} s of "
                       f"{signal.Signals(signum).name}") from None
    if code != 0:
        raise w.Failed(f"tcptalk exited with {code} on {signal.Signals(signum).name}, not 0")
    print(f"  {signal.Signals(signum).name}: the windows closed, exit 0")


def run(tcptalk, scratch, procs):
    display = w.start_display_and_bus(procs)
    env = w.app_env(display, scratch)
    port = str(w.free_port())

    proc, frames, mapped = start(tcptalk, env, scratch, procs)
    for name, (x, y, width, height) in PLACES.items():
        subprocess.run(["xdotool", "windowsize", "--sync", mapped[name], str(width),
                        str(height)], env=env, check=True)
        subprocess.run(["xdotool", "windowmove", "--sync", mapped[name], str(x), str(y)],
                       env=env, check=True)
        w.wait_for(f"{name} at {(x, y, width, height)}",
                   lambda: geometry(env, mapped[name]) == (x, y, width, height))
        print(f"  {name}: moved to {x},{y}, sized {width}x{height}")
    server = frames["服务器"]
    w.open_tab(server, "新建服务器", "服务器 2")
    w.type_into(server, "端口：", port)
    end_with(proc, signal.SIGTERM)

    proc, frames, mapped = start(tcptalk, env, scratch, procs)
    for name, place in PLACES.items():
        try:
            w.wait_for(f"{name} back at {place}", lambda: geometry(env, mapped[name]) == place,
                       timeout=5)
        except w.Failed as err:
            raise w.Failed(f"{err}; it is at {geometry(env, mapped[name])}") from None
        print(f"  {name}: back at {place[0]},{place[1]}, {place[2]}x{place[3]}")
    server = frames["服务器"]
    tabs = w.tab_names(server)
    if tabs != ["服务器 1", "服务器 2"]:
        raise w.Failed(f"the 服务器 window reopened with tabs {tabs}")
    tab = w.find(server, "page tab", "服务器 2")
    tab.queryAction().doAction(0)
    w.wait_for("服务器 2 selected", lambda: w.selected(w.find(server, "page tab", "服务器 2")))
    w.wait_for(f"服务器 2's 端口 to read {port}", lambda: w.entry_text(server, "端口：") == port)
    print(f"  服务器: tabs {tabs}; 服务器 2's 端口 is {port} again")
    end_with(proc, signal.SIGINT)

    said = open(f"{scratch}/stderr").read()
    if said.strip():
        raise w.Failed(f"tcptalk printed on stderr:\n{said}")
    print("  stderr: quiet")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    procs = []
    with tempfile.TemporaryDirectory() as scratch:
        open(f"{scratch}/stderr", "w").close()
        try:
            run(sys.argv[1], scratch, procs)
        except w.Failed as err:
            print(f"FAILED: {err}", file=sys.stderr)
            print(open(f"{scratch}/stderr").read(), file=sys.stderr)
            sys.exit(1)
        finally:
            w.stop_all(procs)
    print("ok")


if __name__ == "__main__":
    main()
