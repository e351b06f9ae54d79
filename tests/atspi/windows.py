#!/usr/bin/python3
"""Reads tcptalk's real windows the way a screen reader does: over AT-SPI.

Starts its own X server (Xvfb), the accessibility bus and tcptalk, then finds every control by
its role and name in the accessibility tree, clicks the buttons through AT-SPI actions, types
through the editable-text interface, and checks names and enabled / disabled states through a
listen / connect / disconnect / stop cycle. It also opens a second session as a tab through the
＋ menu, runs the same cycle in it and closes it, and finds the history / message split by name.
Orca sees what this script sees.

It also checks how the windows were drawn: with the software renderer (the default) no OpenGL
library is mapped into the process, with `gl` one is; and the screen, read back with xwd, shows
a painted window rather than a blank one.

Run it inside a D-Bus session of its own (the Rust test does):
    dbus-run-session -- /usr/bin/python3 tests/atspi/windows.py TCPTALK both|server|client [software|gl]

Needs Debian's python3-pyatspi, at-spi2-core, xvfb, dbus, libglib2.0-bin (gdbus) and x11-apps
(xwd).
Exit 0 when every check held; otherwise it says which and exits 1.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time

# Imported once the accessibility bus is up (`run`): libatspi connects to it on import.
pyatspi = None

# Roles a person operates: each must have a name a screen reader can say.
CONTROL_ROLES = {
    "push button",
    "toggle button",
    "check box",
    "radio button",
    "combo box",
    "entry",
    "password text",
    "menu item",
    "page tab",
    "slider",
    "spin button",
    "link",
}

WAIT = 20.0


class Failed(Exception):
    pass


def wait_for(what, predicate, timeout=WAIT):
    """Polls `predicate` until it returns something true; fails naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as err:  # the tree changes under us while the window redraws
            last_error = err
        time.sleep(0.1)
    raise Failed(f"timed out after {timeout:.0f} s waiting for {what}" + (
        f" (last error: {last_error})" if last_error else ""))


def walk(node):
    yield node
    for index in range(node.childCount):
        child = node.getChildAtIndex(index)
        if child is not None:
            yield from walk(child)


def app_of(pid):
    for app in pyatspi.Registry.getDesktop(0):
        if app is not None and app.get_process_id() == pid:
            return app
    return None


def frames(app):
    return {app.getChildAtIndex(i).name: app.getChildAtIndex(i) for i in range(app.childCount)}


def find(frame, role, name):
    for node in walk(frame):
        if node.getRoleName() == role and node.name == name:
            return node
    raise Failed(f"no {role} named {name!r} in the {frame.name!r} window")


def enabled(node):
    states = node.getState()
    return states.contains(pyatspi.STATE_ENABLED) and states.contains(pyatspi.STATE_SENSITIVE)


def expect_states(frame, enabled_names, disabled_names, role="push button"):
    """Waits until each named control is enabled / disabled as expected."""
    def holds():
        return all(enabled(find(frame, role, name)) for name in enabled_names) and not any(
            enabled(find(frame, role, name)) for name in disabled_names)
    wait_for(f"{frame.name}: enabled {enabled_names}, disabled {disabled_names}", holds)
    print(f"  {frame.name}: enabled {enabled_names}, disabled {disabled_names}")


def click(frame, name):
    button = find(frame, "push button", name)
    if not enabled(button):
        raise Failed(f"{name!r} in {frame.name!r} is disabled, cannot click it")
    action = button.queryAction()
    if not action.doAction(0):
        raise Failed(f"the click action of {name!r} failed")
    print(f"  clicked {name}")


def entry_text(frame, name):
    text = find(frame, "entry", name).queryText()
    return text.getText(0, -1)


def type_into(frame, name, value):
    find(frame, "entry", name).queryEditableText().setTextContents(value)
    wait_for(f"{name!r} in {frame.name!r} to read {value!r}",
             lambda: entry_text(frame, name) == value)
    print(f"  typed {value!r} into {name}")


def status(frame, value):
    """The status icon's name follows the state: 已连接 / 未连接."""
    wait_for(f"the status of {frame.name!r} to be {value!r}",
             lambda: any(node.getRoleName() == "image" and node.name == value
                         for node in walk(frame)))
    print(f"  {frame.name}: status {value}")


def check_names(frame):
    unnamed = []
    count = 0
    for node in walk(frame):
        if node.getRoleName() in CONTROL_ROLES:
            count += 1
            if not (node.name or "").strip():
                parent = node.parent
                unnamed.append(f"{node.getRoleName()} (in {parent.getRoleName()} "
                               f"{parent.name!r})")
    if unnamed:
        raise Failed(f"{frame.name!r}: {len(unnamed)} of {count} controls have no name: "
                     + ", ".join(unnamed))
    if count < 10:
        raise Failed(f"{frame.name!r}: only {count} controls on the bus")
    print(f"  {frame.name}: all {count} controls named")


SPLIT = "拖动调整历史信息与发送框的高度"
NEW_SESSION = "新建会话：再开一个服务器或客户端（标签页）"


def tab_names(frame):
    return [node.name for node in walk(frame) if node.getRoleName() == "page tab"]


def selected(node):
    return node.getState().contains(pyatspi.STATE_SELECTED)


def check_split(frame):
    """The draggable split between the history and the message box has a name to be found by."""
    find(frame, "separator", SPLIT)
    print(f"  {frame.name}: split {SPLIT!r} on the bus")


def open_tab(frame, menu_item, tab):
    """＋ → `menu_item`: a new tab named `tab`, selected, every control of it named."""
    click(frame, NEW_SESSION)
    wait_for(f"the {menu_item!r} menu item", lambda: find(frame, "push button", menu_item))
    click(frame, menu_item)
    try:
        wait_for(f"the tab {tab!r}, selected", lambda: selected(find(frame, "page tab", tab)))
    except Failed as err:
        # Which tabs there are and what a screen reader hears of each.
        raise Failed(f"{err}; tabs: " + ", ".join(
            f"{node.name} {[pyatspi.stateToString(st) for st in node.getState().getStates()]}"
            for node in walk(frame) if node.getRoleName() == "page tab")) from None
    print(f"  {frame.name}: tabs {tab_names(frame)}, {tab!r} selected")
    check_names(frame)


def close_tab(frame, tab):
    click(frame, f"关闭此会话 {tab}")
    wait_for(f"the tab {tab!r} to be gone", lambda: tab not in tab_names(frame))
    print(f"  {frame.name}: tabs {tab_names(frame)}")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_cycle(frame, port, connect):
    """Listen on `port`, let `connect()` bring a client, then stop."""
    expect_states(frame, ["启动服务器"], ["停止服务器"])
    type_into(frame, "端口：", str(port))
    click(frame, "启动服务器")
    expect_states(frame, ["停止服务器"], ["启动服务器"])
    if enabled(find(frame, "entry", "端口：")):
        raise Failed("端口 can still be edited while listening")
    done = connect()
    status(frame, "已连接")
    done()
    click(frame, "停止服务器")
    expect_states(frame, ["启动服务器"], ["停止服务器"])
    status(frame, "未连接")


# Mapped by an OpenGL window (libglvnd's dispatchers, Mesa's drivers and the LLVM they compile
# shaders with); none of them by the software renderer.
GL_LIBRARIES = ("libGL.so", "libGLX", "libEGL", "libgallium", "_dri.so", "libLLVM")


def gl_libraries(pid):
    with open(f"/proc/{pid}/maps") as maps:
        paths = {line.split()[-1] for line in maps if "/" in line}
    return sorted({os.path.basename(path) for path in paths
                   if any(name in os.path.basename(path) for name in GL_LIBRARIES)})


def check_renderer(pid, renderer):
    mapped = gl_libraries(pid)
    if renderer == "software" and mapped:
        raise Failed(f"the software renderer mapped OpenGL libraries: {mapped}")
    if renderer == "gl" and not any("GL" in name for name in mapped):
        raise Failed(f"--renderer gl mapped no OpenGL library (mapped: {mapped})")
    print(f"  renderer {renderer}: OpenGL libraries mapped: {mapped or 'none'}")


def screen_colours(display):
    """The distinct colours on the screen, read with xwd (a ZPixmap of the root).

    xwd's bits-per-pixel field says 32 or, once a GLX client has run, 24 for the same 4-byte
    pixels; the row stride says what each pixel really takes.
    """
    dump = subprocess.run(["xwd", "-root", "-silent", "-display", f":{display}"],
                          stdout=subprocess.PIPE, check=True).stdout
    header = [int.from_bytes(dump[i:i + 4], "big") for i in range(0, 100, 4)]
    header_size, width, height = header[0], header[4], header[5]
    bits_per_pixel, bytes_per_line, colours_in_map = header[11], header[12], header[19]
    step = bytes_per_line // width if width else 0
    if bits_per_pixel not in (24, 32) or step not in (3, 4):
        raise Failed(f"xwd gave {bits_per_pixel} bits per pixel in {step}-byte steps")
    pixels = dump[header_size + 12 * colours_in_map:]
    seen = set()
    for row in range(height):
        line = pixels[row * bytes_per_line:row * bytes_per_line + step * width]
        seen.update(line[i:i + 3] for i in range(0, len(line), step))
    return seen


def check_painted(display):
    # Xvfb's empty root is a two-colour weave; a drawn window adds its panel, frame and
    # anti-aliased text.
    colours = wait_for("the window to be painted (more than 16 colours on the screen)",
                       lambda: (c := screen_colours(display)) and len(c) > 16 and c)
    print(f"  painted: {len(colours)} distinct colours on the screen")


def start_display_and_bus(procs):
    """An Xvfb of our own and the accessibility bus, on; returns the display number."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-nolisten", "tcp", "-screen", "0", "1400x900x24"],
        pass_fds=[write_fd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(xvfb)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        display = pipe.readline().strip()
    if not display:
        raise Failed("Xvfb did not start")
    # Assistive technology on: what Orca sets when it starts; AccessKit waits for it. The call
    # also starts the accessibility bus (D-Bus activates at-spi-bus-launcher).
    wait_for("the accessibility bus", lambda: subprocess.run(
        ["gdbus", "call", "--session", "--dest", "org.a11y.Bus", "--object-path",
         "/org/a11y/bus", "--method", "org.freedesktop.DBus.Properties.Set",
         "org.a11y.Status", "IsEnabled", "<true>"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0)
    global pyatspi
    import pyatspi
    return display


def app_env(display, scratch):
    env = dict(os.environ, DISPLAY=f":{display}", HOME=scratch, XDG_DATA_HOME=scratch,
               XDG_CONFIG_HOME=scratch, LANG="zh_CN.UTF-8")
    env.pop("WAYLAND_DISPLAY", None)
    return env


def run(tcptalk, mode, scratch, procs, renderer):
    display = start_display_and_bus(procs)
    env = app_env(display, scratch)
    args = {"both": [], "server": ["server"], "client": ["client"]}[mode]
    peer = None
    if mode == "client":
        peer = socket.socket()
        peer.bind(("127.0.0.1", 0))
        peer.listen(4)
        args += ["--port", str(peer.getsockname()[1])]
    if renderer != "software":
        args += ["--renderer", renderer]
    app_proc = subprocess.Popen([tcptalk, *args, "--lang", "zh"], env=env,
                                stdout=subprocess.DEVNULL, stderr=open(f"{scratch}/stderr", "w"))
    procs.append(app_proc)

    want = {"both": ["服务器", "客户端"], "server": ["服务器"], "client": ["客户端"]}[mode]
    app = wait_for(f"tcptalk {mode} on the accessibility bus with windows {want}",
                   lambda: (a := app_of(app_proc.pid)) and all(
                       name in frames(a) for name in want) and a)
    print(f"tcptalk {' '.join(args) or '(both windows)'}: windows {sorted(frames(app))}")
    windows = frames(app)
    for name in want:
        check_names(windows[name])
    check_renderer(app_proc.pid, renderer)
    check_painted(display)

    if mode == "both":
        server, client = windows["服务器"], windows["客户端"]
        port = free_port()

        def connect():
            # The tutorial's flow: the client's port followed the server's, nothing to edit.
            wait_for(f"the client's 端口 to follow the server's ({port})",
                     lambda: entry_text(client, "端口：") == str(port))
            print(f"  客户端 端口 followed: {port}")
            expect_states(client, ["连接服务器"], ["断开连接"])
            click(client, "连接服务器")
            expect_states(client, ["断开连接"], ["连接服务器"])
            status(client, "已连接")

            def done():
                click(client, "断开连接")
                expect_states(client, ["连接服务器"], ["断开连接"])
                status(client, "未连接")
                status(server, "未连接")
            return done
        server_cycle(server, port, connect)
    elif mode == "server":
        port = free_port()

        def connect():
            peer = socket.create_connection(("127.0.0.1", port), timeout=5)

            def done():
                peer.close()
                status(windows["服务器"], "未连接")
            return done
        server_cycle(windows["服务器"], port, connect)
        frame = windows["服务器"]
        check_split(frame)
        open_tab(frame, "新建服务器", "服务器 2")
        port = free_port()
        server_cycle(frame, port, connect)
        close_tab(frame, "服务器 2")
        if not selected(find(frame, "page tab", "服务器 1")):
            raise Failed("closing 服务器 2 did not go back to 服务器 1")
    else:
        peer.settimeout(WAIT)
        frame = windows["客户端"]
        expect_states(frame, ["连接服务器"], ["断开连接"])
        click(frame, "连接服务器")
        accepted, _ = peer.accept()
        expect_states(frame, ["断开连接"], ["连接服务器"])
        status(frame, "已连接")
        click(frame, "断开连接")
        expect_states(frame, ["连接服务器"], ["断开连接"])
        status(frame, "未连接")
        accepted.close()
        check_split(frame)
        # A second client tab: its own fields (it starts at the default port, so it is pointed
        # at the same listener), connected and closed while connected: the peer reads EOF.
        open_tab(frame, "新建客户端", "客户端 2")
        type_into(frame, "端口：", str(peer.getsockname()[1]))
        click(frame, "连接服务器")
        accepted, _ = peer.accept()
        expect_states(frame, ["断开连接"], ["连接服务器"])
        status(frame, "已连接")
        close_tab(frame, "客户端 2")
        if accepted.recv(1) != b"":
            raise Failed("closing 客户端 2 did not end its connection")
        print("  客户端 2's connection ended with its tab")
        expect_states(frame, ["连接服务器"], ["断开连接"])
        accepted.close()
        peer.close()
    if app_proc.poll() is not None:
        raise Failed(f"tcptalk exited with {app_proc.returncode}")
    # A normal start and a normal cycle print nothing (RUST_LOG shows more).
    said = open(f"{scratch}/stderr").read()
    if said.strip():
        raise Failed(f"tcptalk printed on stderr during a normal run:\n{said}")
    print("  stderr: quiet")


def stop_all(procs):
    """Ends what the run started, newest first: SIGTERM, then SIGKILL after 5 s."""
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
    for proc in reversed(procs):
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    if (len(sys.argv) not in (3, 4) or sys.argv[2] not in ("both", "server", "client")
            or sys.argv[3:] not in ([], ["software"], ["gl"])):
        sys.exit(__doc__)
    renderer = sys.argv[3] if len(sys.argv) == 4 else "software"
    procs = []
    with tempfile.TemporaryDirectory() as scratch:
        try:
            run(sys.argv[1], sys.argv[2], scratch, procs, renderer)
        except Failed as err:
            print(f"FAILED: {err}", file=sys.stderr)
            try:
                print(open(f"{scratch}/stderr").read(), file=sys.stderr)
            except OSError:
                pass
            sys.exit(1)
        finally:
            stop_all(procs)
    print("ok")


if __name__ == "__main__":
    main()
