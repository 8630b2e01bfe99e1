#!/usr/bin/python3
"""A live RTSP camera on 127.0.0.1 for StreamForge's tests and benchmarks.

GStreamer's RTSP server fed a moving test pattern (H.264 or H.265), one shared
pipeline for every client. It talks to `tests/testkit/src/camera.rs` by lines:

  stdout: `ready PORT` once serving; `client-connected N` / `client-closed N`
          (N = RTSP clients connected now); `marker-set COLOUR` after a marker.
  stdin:  `marker white|black|off`: a solid frame, or back to the pattern, so
          a benchmark can time glass-to-viewer latency.

It exits on stdin EOF, SIGTERM or SIGINT. Needs the Debian packages python3-gi,
gir1.2-gstreamer-1.0, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-base,
-good and -ugly (x264enc); x265enc (for --codec h265) is in -plugins-bad.
"""

import argparse
import signal
import sys
import threading

PACKAGES = ("python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-rtsp-server-1.0 "
            "gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly")

try:
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer
except (ImportError, ValueError) as e:
    sys.exit(f"rtsp_camera: {e}; install the Debian packages: {PACKAGES}")

# What the picture shows for each marker: videotestsrc's pattern nicks.
PATTERNS = {"off": "smpte", "white": "white", "black": "black"}
# Encoder and payloader per codec.
CODECS = {
    "h264": ("x264enc", "rtph264pay", "gstreamer1.0-plugins-ugly"),
    "h265": ("x265enc", "rtph265pay", "gstreamer1.0-plugins-bad"),
}


def say(line):
    """One protocol line on stdout, flushed at once (the Rust side waits on it)."""
    print(line, flush=True)


def arguments():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/cam")
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=720)
    p.add_argument("--fps", type=int, default=15)
    p.add_argument("--codec", choices=sorted(CODECS), default="h264")
    p.add_argument("--username")
    p.add_argument("--password")
    args = p.parse_args()
    if (args.username is None) != (args.password is None):
        p.error("--username and --password go together")
    return args


class Camera:
    """The RTSP server, its one shared pipeline and the connected-client count."""

    def __init__(self, args):
        encoder, payloader, package = CODECS[args.codec]
        for element in (encoder, payloader, "videotestsrc"):
            if Gst.ElementFactory.find(element) is None:
                sys.exit(f"rtsp_camera: the GStreamer element {element} is missing; "
                         f"install the Debian packages: {PACKAGES} {package}")
        self.marker = "off"
        self.sources = []  # videotestsrc of every live pipeline (one while shared)
        self.clients = 0
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address("127.0.0.1")
        self.server.set_service(str(args.port))
        self.server.connect("client-connected", self.on_client)

        factory = GstRtspServer.RTSPMediaFactory()
        # SPS/PPS in-band every second, so a client joining the shared
        # pipeline can start (-1, "with every IDR", gives ffmpeg duplicate
        # timestamps at each keyframe).
        factory.set_launch(
            f"( videotestsrc name=src is-live=true pattern={PATTERNS['off']} horizontal-speed=4"
            f" ! video/x-raw,format=I420,width={args.width},height={args.height},"
            f"framerate={args.fps}/1"
            f" ! {encoder} tune=zerolatency speed-preset=ultrafast key-int-max={args.fps}"
            f" ! {payloader} name=pay0 pt=96 config-interval=1 )")
        factory.set_shared(True)
        # Once the last client leaves, the pipeline is dropped and the next
        # client gets a fresh one (media-configure again): reconnects work.
        factory.connect("media-configure", self.on_media)
        if args.username is not None:
            self.protect(factory, args.username, args.password)
        self.server.get_mount_points().add_factory(args.path, factory)

    def protect(self, factory, username, password):
        """Basic auth: only `username` may see or build the media; others get 401."""
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "viewer")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(username, password), token)
        self.server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("viewer", "media.factory.access", True)
        permissions.add_permission_for_role("viewer", "media.factory.construct", True)
        factory.set_permissions(permissions)

    def on_media(self, _factory, media):
        src = media.get_element().get_by_name("src")
        Gst.util_set_object_arg(src, "pattern", PATTERNS[self.marker])
        self.sources.append(src)
        media.connect("unprepared", lambda _m: self.sources.remove(src))

    def on_client(self, _server, client):
        self.clients += 1
        say(f"client-connected {self.clients}")
        client.connect("closed", self.on_closed)

    def on_closed(self, _client):
        self.clients -= 1
        say(f"client-closed {self.clients}")

    def command(self, line):
        """One stdin line (in the main loop); unknown ones are reported, not fatal."""
        words = line.split()
        if len(words) == 2 and words[0] == "marker" and words[1] in PATTERNS:
            self.marker = words[1]
            for src in self.sources:
                Gst.util_set_object_arg(src, "pattern", PATTERNS[self.marker])
            say(f"marker-set {self.marker}")
        elif words:
            print(f"rtsp_camera: unknown command {line.strip()!r}", file=sys.stderr, flush=True)
        return GLib.SOURCE_REMOVE


def read_commands(camera, loop):
    """Stdin on its own thread; each line is handed to the main loop, EOF stops it."""
    for line in sys.stdin:
        GLib.idle_add(camera.command, line)
    GLib.idle_add(loop.quit)


def main():
    args = arguments()
    Gst.init(None)
    camera = Camera(args)
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    if camera.server.attach(None) == 0:
        sys.exit(f"rtsp_camera: cannot listen on 127.0.0.1:{args.port}")
    threading.Thread(target=read_commands, args=(camera, loop), daemon=True).start()
    say(f"ready {camera.server.get_bound_port()}")
    loop.run()


if __name__ == "__main__":
    main()
