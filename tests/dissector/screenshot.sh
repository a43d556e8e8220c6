#!/usr/bin/env bash
# A screenshot of Wireshark's Qt GUI, under Xvfb, showing an nvmetrace capture decoded by the
# plugin: the packet list filtered to commands and completions, one packet selected with its
# tree expanded.
#
#   tests/dissector/screenshot.sh PLUGIN.so CAPTURE OUT.png [LIST_FILTER] [SELECT_FILTER]
#
# LIST_FILTER (default: submissions and completions) is the display filter of the packet list;
# the first packet matching SELECT_FILTER (default: the first I/O Write submission) is selected.
# Needs wireshark (Qt), xvfb, xdotool, x11-apps (xwd) and netpbm. Used for docs/dissector.md:
#   tests/dissector/screenshot.sh build/dissector/plugins/4.0/epan/nvmetrace.so \
#       samples/boot/linux-boot.pcapng.zst docs/dissector-screenshot.png
set -euo pipefail
PLUGIN=$1 CAPTURE=$2 OUT=$3
LIST=${4:-nvt.type == 11 || nvt.type == 12}
SELECT=${5:-nvt.sqe.cmd == "Write"}
for tool in wireshark tshark Xvfb xdotool xwd xwdtopnm pnmtopng; do
    command -v "$tool" >/dev/null || { echo "screenshot.sh: $tool is not installed" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/nvt-screenshot.XXXXXX)
XPID="" WSPID=""
cleanup() {
    [ -n "$WSPID" ] && kill "$WSPID" 2>/dev/null
    [ -n "$XPID" ] && kill "$XPID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
ABI=$(tshark --version 2>/dev/null | sed -n '1s/.*(Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
mkdir -p "$WORK/plugins/$ABI/epan" "$WORK/home/.config/wireshark" "$WORK/run"
cp "$PLUGIN" "$WORK/plugins/$ABI/epan/"
name=$(basename "$CAPTURE")
cp "$CAPTURE" "$WORK/$name"
# A clean profile: one window of the screen's size, list above details, no bytes pane, and the
# columns a trace needs (the PCI function in the source column).
cat >"$WORK/home/.config/wireshark/recent_common" <<EOF
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: 1600
gui.geometry_main_height: 1000
gui.geometry_main_maximized: FALSE
privs.warn_if_elevated: FALSE
EOF
cat >"$WORK/home/.config/wireshark/preferences" <<EOF
gui.update.enabled: FALSE
gui.ask_unsaved: FALSE
gui.layout_type: 1
gui.layout_content_1: PLIST
gui.layout_content_2: PDETAILS
gui.layout_content_3: NONE
gui.column.format: "No.", "%m", "Time", "%t", "PCI function", "%s", "Protocol", "%p", "Info", "%i"
EOF
chmod -R a+rX "$WORK"
chmod 700 "$WORK/run"
AS_USER=()
if [ "$(id -u)" = 0 ]; then # Wireshark ignores plugin folders when run as root
    AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    chown -R 65534:65534 "$WORK/home" "$WORK/run"
fi
run() {
    "${AS_USER[@]}" env HOME="$WORK/home" WIRESHARK_PLUGIN_DIR="$WORK/plugins" \
        XDG_RUNTIME_DIR="$WORK/run" "$@"
}

frame=$(run tshark -r "$WORK/$name" -Y "$SELECT" -T fields -e frame.number 2>/dev/null | head -1)
[ -n "$frame" ] || { echo "screenshot.sh: no packet matches $SELECT" >&2; exit 1; }

# A free X display, then Wireshark on it.
for n in $(seq 90 120); do
    [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] || break
done
export DISPLAY=:$n
Xvfb "$DISPLAY" -screen 0 1600x1000x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XPID=$!
for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.2; done
run wireshark -r "$WORK/$name" -Y "$LIST" -g "$frame" >"$WORK/wireshark.log" 2>&1 &
WSPID=$!
win=""
for _ in $(seq 120); do # the main window's title names the file once it is loaded
    win=$(xdotool search --name "^$name" 2>/dev/null | head -1) && [ -n "$win" ] && break
    sleep 0.5
done
[ -n "$win" ] || { echo "screenshot.sh: Wireshark did not open $name" >&2; cat "$WORK/wireshark.log" >&2; exit 1; }
sleep 3
# Make the details pane taller (drag the splitter up), select the last top-level line of the
# details (this protocol), expand its subtrees (View > Expand Subtrees), scroll to the queue
# entry, park the pointer where it highlights nothing.
xdotool mousemove 800 671 mousedown 1 mousemove 800 500 sleep 0.3 mousemove 800 330 sleep 0.3 \
    mouseup 1
sleep 1
xdotool mousemove 200 545 click 1
sleep 0.5
xdotool key End shift+Right
sleep 1
for _ in 1 2 3 4 5 6; do xdotool mousemove 800 700 click 5; done
xdotool mousemove 1590 990
sleep 2
xwd -root -silent | xwdtopnm 2>/dev/null | pnmtopng >"$OUT"
echo "screenshot.sh: $OUT (frame $frame of $name)"
