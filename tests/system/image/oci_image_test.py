#!/usr/bin/env python3
"""The container image, end to end, without a container runtime.

Builds the OCI image archive with deploy/image/build.sh from the programs of this build tree,
reads it the way a runtime does (index.json, the manifest, the config, the layers, every digest
checked), unpacks the layer into a directory and runs the programs from there: each in its own
mount and PID namespace with /proc and /dev mounted, chrooted into the image, as the image's user
when the test runs as root (with an unprivileged user namespace otherwise). The network namespace
stays this machine's, so horizond listens on 127.0.0.1 and only loopback is used.

    oci_image_test.py --build-dir BUILD_DIR

Exit status 77 (ctest's SKIP_RETURN_CODE) when a tool it needs is missing or namespaces cannot
be created here, with the reason on stderr.
"""

import argparse
import ctypes
import gzip
import hashlib
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
BUILD_SH = os.path.join(SOURCE, "deploy", "image", "build.sh")
CONTAINERFILE = os.path.join(SOURCE, "deploy", "image", "Containerfile")
INSTALL_DEPS = os.path.join(SOURCE, "deploy", "install-deps.sh")
PROGRAMS = ["horizond", "horizon-sync", "dnsctl"]
SKIP = 77
# Below 40 MB for a Release build; a sanitizer build's programs are several times larger, so the
# bound is checked on the builds that ship.
MAX_LAYER_BYTES = 40_000_000
# The addresses the shipped zone gives grafana.madhan.app in the LAN view (127.0.0.1 is LAN).
GRAFANA_LAN = "192.168.1.220"
# Packages debian:bookworm-slim already holds (apt needs them), so install-deps.sh need not list.
SLIM_BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}

ARGS = None  # the command line, parsed in main()
TOOLS = {}   # absolute paths of the host's tools, found in main()


def read_text(path):
    with open(path) as f:
        return f.read()


def skip(reason):
    print(f"SKIP: {reason}", file=sys.stderr)
    sys.exit(SKIP)


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def die_with_parent():
    # The namespaces' first process (unshare) must not outlive the test if the test is killed;
    # unshare's --kill-child then takes the programs in the image with it.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


# The shell that runs inside the new namespaces before chroot: a runtime gives every container a
# /proc of its own PID namespace and a /dev; sanitizer runtimes and the process metrics read /proc.
MOUNT_AND_CHROOT = 'root=$1; mount=$2; shift 2; ' \
    '"$mount" -t proc proc "$root/proc" && "$mount" --rbind /dev "$root/dev" && exec "$@"'


def namespace_command(root, argv, as_user):
    """The host command that runs argv (paths inside the image) chrooted into root."""
    command = [TOOLS["unshare"]]
    if os.geteuid() != 0:
        command += ["--user", "--map-root-user"]
    command += ["--mount", "--pid", "--fork", "--kill-child", "--", TOOLS["sh"], "-c",
                MOUNT_AND_CHROOT, "sh", root, TOOLS["mount"], TOOLS["chroot"]]
    # Switching to the image's user needs root; in a user namespace only our own uid is mapped,
    # and the programs run as that (mapped to root inside, which is not root outside).
    if as_user and os.geteuid() == 0:
        command.append(f"--userspec={Image.uid}:{Image.gid}")
    return command + [root] + argv


def parse_name(data, offset):
    """The offset just past a (possibly compressed) domain name in a DNS message."""
    while True:
        length = data[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            return offset + 2
        offset += length + 1


def dns_query(port, name, tcp=False, timeout=2.0):
    """Asks 127.0.0.1:port for the A records of name; (rcode, authoritative, addresses) or None."""
    query_id = random.randrange(1 << 16)
    question = b"".join(bytes([len(label)]) + label.encode() for label in name.split("."))
    message = struct.pack("!6H", query_id, 0, 1, 0, 0, 0) + question + b"\0" + \
        struct.pack("!2H", 1, 1)
    try:
        if tcp:
            with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
                s.sendall(struct.pack("!H", len(message)) + message)
                data = b""
                while len(data) < 2 or len(data) < 2 + struct.unpack("!H", data[:2])[0]:
                    chunk = s.recv(4096)
                    if not chunk:
                        return None
                    data += chunk
                data = data[2:]
        else:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(timeout)
                s.sendto(message, ("127.0.0.1", port))
                data = s.recv(4096)
    except OSError:
        return None
    reply_id, flags, qdcount, ancount = struct.unpack("!4H", data[:8])
    if reply_id != query_id:
        return None
    offset = 12
    for _ in range(qdcount):
        offset = parse_name(data, offset) + 4
    addresses = []
    for _ in range(ancount):
        offset = parse_name(data, offset)
        rtype, _, _, rdlength = struct.unpack("!HHIH", data[offset:offset + 10])
        offset += 10
        if rtype == 1 and rdlength == 4:
            addresses.append(socket.inet_ntoa(data[offset:offset + 4]))
        offset += rdlength
    return flags & 0xF, bool(flags & 0x0400), sorted(addresses)


def free_port():
    """A loopback port free for UDP and TCP when asked."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free loopback port")


def interpreter(path):
    """The ELF program interpreter (PT_INTERP) of a 64-bit little-endian executable."""
    with open(path, "rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2 or header[5] != 1:
            raise AssertionError(f"{path}: not a 64-bit little-endian ELF file")
        phoff, = struct.unpack_from("<Q", header, 32)
        phentsize, phnum = struct.unpack_from("<HH", header, 54)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            p_type, _, p_offset, _, _, p_filesz = struct.unpack("<IIQQQQ", f.read(40))
            if p_type == 3:  # PT_INTERP
                f.seek(p_offset)
                return f.read(p_filesz).rstrip(b"\0").decode()
    raise AssertionError(f"{path}: no program interpreter")


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.remove(path)


def apply_layer(layer, root, members):
    """Unpacks one layer tar into root as a runtime does (whiteouts included); records each
    member in `members` by its path."""
    for member in layer:
        name = os.path.normpath(member.name)
        if name.startswith("/") or name == ".." or name.startswith("../"):
            raise AssertionError(f"layer entry outside the root: {member.name}")
        members[name] = member
        parent, base = os.path.split(name)
        # A layer may only write through real directories: a symlink on the way could lead out.
        walked = root
        for part in [p for p in parent.split("/") if p]:
            walked = os.path.join(walked, part)
            if os.path.islink(walked):
                raise AssertionError(f"layer entry {member.name} goes through a symlink")
        if base == ".wh..wh..opq":
            for entry in os.listdir(os.path.join(root, parent)):
                remove(os.path.join(root, parent, entry))
            continue
        if base.startswith(".wh."):
            remove(os.path.join(root, parent, base[4:]))
            continue
        target = os.path.join(root, name)
        if os.path.lexists(target) and not (member.isdir() and os.path.isdir(target)):
            remove(target)
        if member.isdir():
            os.makedirs(target, exist_ok=True)
        elif member.issym():
            os.symlink(member.linkname, target)
        elif member.islnk():
            os.link(os.path.join(root, os.path.normpath(member.linkname)), target)
        elif member.isfile():
            with open(target, "wb") as out:
                shutil.copyfileobj(layer.extractfile(member), out)
        else:
            raise AssertionError(f"unexpected entry type in the layer: {member.name}")
        if not member.issym():
            os.chmod(target, member.mode)
        if os.geteuid() == 0:
            os.lchown(target, member.uid, member.gid)


class Image:
    """The archive build.sh wrote, read once for every test."""
    work = None      # temporary directory of this run
    root = None      # the unpacked image
    blobs = {}       # archive member name -> bytes
    index = manifest = config = None
    layer_size = 0   # compressed, all layers
    archive_size = 0
    members = {}     # layer entry path -> TarInfo
    uid = gid = None
    version = None


def setUpModule():
    Image.work = tempfile.mkdtemp(prefix="oci-image-test-", dir=ARGS.build_dir)
    archive = os.path.join(Image.work, "horizon.tar")
    started = time.monotonic()
    build = subprocess.run([BUILD_SH, archive, ARGS.build_dir], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    print(build.stdout, end="")
    if build.returncode != 0:
        raise RuntimeError(f"build.sh failed with exit status {build.returncode}")
    print(f"build.sh took {time.monotonic() - started:.1f} s")
    Image.archive_size = os.path.getsize(archive)

    with tarfile.open(archive) as outer:
        for member in outer:
            if member.isfile():
                Image.blobs[member.name] = outer.extractfile(member).read()
    Image.index = json.loads(Image.blobs["index.json"])
    descriptor = Image.index["manifests"][0]
    Image.manifest = json.loads(blob(descriptor))
    Image.config = json.loads(blob(Image.manifest["config"]))
    Image.root = os.path.join(Image.work, "root")
    os.mkdir(Image.root)
    for layer in Image.manifest["layers"]:
        Image.layer_size += layer["size"]
        with tarfile.open(fileobj=io.BytesIO(blob(layer)), mode="r:gz") as tar:
            apply_layer(tar, Image.root, Image.members)
    # Mount points a runtime provides in every container.
    for mount_point in ("proc", "dev"):
        os.makedirs(os.path.join(Image.root, mount_point), exist_ok=True)
    Image.uid, Image.gid = (int(n) for n in Image.config["config"]["User"].split(":"))
    Image.version = re.search(r"project\(horizon VERSION ([0-9.]+)",
                              read_text(os.path.join(SOURCE, "CMakeLists.txt"))).group(1)


def tearDownModule():
    if Image.work and not os.environ.get("KEEP_IMAGE_TEST_DIR"):
        shutil.rmtree(Image.work, ignore_errors=True)


def blob(descriptor):
    """The bytes of a descriptor's blob, checked against its digest and size."""
    algorithm, hex_digest = descriptor["digest"].split(":", 1)
    data = Image.blobs[f"blobs/{algorithm}/{hex_digest}"]
    if sha256(data) != descriptor["digest"] or len(data) != descriptor["size"]:
        raise AssertionError(f"blob {descriptor['digest']} does not match its descriptor")
    return data


def environment():
    """The image's Env, plus the sanitizers' options of this test run (for sanitizer builds)."""
    env = dict(entry.split("=", 1) for entry in Image.config["config"].get("Env", []))
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def run_in_image(argv, as_user=True, timeout=60):
    return subprocess.run(namespace_command(Image.root, argv, as_user), env=environment(),
                          capture_output=True, text=True, timeout=timeout,
                          preexec_fn=die_with_parent)


def sanitized():
    """True for a sanitizer build (its runtime library is in the image)."""
    return any("/libasan.so" in name for name in Image.members)


def loader_listing(program):
    """The image's dynamic loader's list of what program loads, run inside the image."""
    path = f"/usr/bin/{program}"
    return run_in_image([interpreter(Image.root + path), "--list", path], as_user=False)


def children(pid):
    """The processes whose parent is pid."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    # The command name in parentheses may hold spaces: fields follow the last ')'.
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


class ArchiveTest(unittest.TestCase):
    def test_layout_index_and_digests(self):
        self.assertEqual(json.loads(Image.blobs["oci-layout"]), {"imageLayoutVersion": "1.0.0"})
        self.assertEqual(Image.index["mediaType"], "application/vnd.oci.image.index.v1+json")
        self.assertEqual(len(Image.index["manifests"]), 1)
        descriptor = Image.index["manifests"][0]
        self.assertEqual(descriptor["mediaType"], "application/vnd.oci.image.manifest.v1+json")
        self.assertEqual(descriptor["annotations"]["org.opencontainers.image.ref.name"],
                         f"horizon:{Image.version}")
        self.assertEqual(Image.manifest["config"]["mediaType"],
                         "application/vnd.oci.image.config.v1+json")
        layers = Image.manifest["layers"]
        self.assertEqual([layer["mediaType"] for layer in layers],
                         ["application/vnd.oci.image.layer.v1.tar+gzip"])
        # The config names each layer by the digest of its uncompressed tar.
        diff_ids = [sha256(gzip.decompress(blob(layer))) for layer in layers]
        self.assertEqual(Image.config["rootfs"], {"type": "layers", "diff_ids": diff_ids})
        self.assertEqual(Image.config["os"], "linux")
        # Docker's classic image store reads manifest.json: the same config and layers.
        docker = json.loads(Image.blobs["manifest.json"])
        self.assertEqual(docker, [{
            "Config": "blobs/sha256/" + Image.manifest["config"]["digest"].split(":")[1],
            "RepoTags": [f"horizon:{Image.version}"],
            "Layers": ["blobs/sha256/" + layer["digest"].split(":")[1] for layer in layers],
        }])

    def test_skopeo_reads_it_as_podman_and_docker_archives(self):
        # skopeo is built on the library Podman loads images with: it must take the archive as an
        # OCI archive (index.json) and as a docker-archive (manifest.json, what `docker save`
        # writes), copying every blob, without any registry.
        skopeo = shutil.which("skopeo")
        if not skopeo:
            self.skipTest("skopeo is not installed (Debian package skopeo)")
        archive = os.path.join(Image.work, "horizon.tar")
        inspected = subprocess.run([skopeo, "inspect", f"oci-archive:{archive}"],
                                   capture_output=True, text=True)
        self.assertEqual(inspected.returncode, 0, inspected.stderr)
        self.assertEqual(json.loads(inspected.stdout)["Digest"],
                         Image.index["manifests"][0]["digest"])
        for source, destination in ((f"oci-archive:{archive}", "oci:{}/oci:horizon"),
                                    (f"docker-archive:{archive}", "dir:{}/dir")):
            copied = subprocess.run([skopeo, "copy", "--quiet", source,
                                     destination.format(Image.work)],
                                    capture_output=True, text=True)
            self.assertEqual(copied.returncode, 0, f"{source}: {copied.stderr}")

    def test_config_runs_horizond_as_a_user_without_a_healthcheck(self):
        config = Image.config["config"]
        self.assertNotEqual(Image.uid, 0)
        self.assertNotEqual(Image.gid, 0)
        self.assertEqual(config["User"], "65532:65532")
        self.assertEqual(config["Entrypoint"], ["/usr/bin/horizond"])
        self.assertEqual(config["Cmd"], ["--config", "/etc/horizon/horizond.yaml"])
        self.assertEqual(set(config["ExposedPorts"]), {"5353/udp", "5353/tcp", "9153/tcp"})
        self.assertNotIn("Healthcheck", config)
        self.assertEqual(config["Labels"]["org.opencontainers.image.version"], Image.version)
        self.assertEqual(config["Labels"]["org.opencontainers.image.title"], "horizon")

    def test_compressed_size(self):
        print(f"\ncompressed layer {Image.layer_size} bytes, archive {Image.archive_size} bytes")
        if sanitized():
            self.skipTest("sanitizer build: the size bound is for the builds that ship")
        self.assertLess(Image.layer_size, MAX_LAYER_BYTES)

    def test_files_owners_and_modes(self):
        def read(path):
            with open(os.path.join(Image.root, path), "rb") as f:
                return f.read()

        with open(os.path.join(SOURCE, "deploy", "image", "horizond.yaml"), "rb") as f:
            self.assertEqual(read("etc/horizon/horizond.yaml"), f.read())
        with open(os.path.join(SOURCE, "zones", "madhan.app.yaml"), "rb") as f:
            self.assertEqual(read("etc/horizon/zones/madhan.app.yaml"), f.read())
        self.assertIn(f"horizon:x:{Image.uid}:{Image.gid}:".encode(), read("etc/passwd"))
        self.assertIn(f"horizon:x:{Image.gid}:".encode(), read("etc/group"))
        self.assertIn(b"-----BEGIN CERTIFICATE-----", read("etc/ssl/certs/ca-certificates.crt"))
        run = Image.members["run/horizon"]
        self.assertTrue(run.isdir())
        self.assertEqual((run.uid, run.gid, run.mode), (Image.uid, Image.gid, 0o750))
        self.assertEqual(Image.members["tmp"].mode, 0o1777)
        others = [name for name, m in Image.members.items()
                  if name != "run/horizon" and (m.uid, m.gid) != (0, 0)]
        self.assertEqual(others, [], "only the user's directory belongs to the user")
        for program in PROGRAMS:
            self.assertEqual(Image.members[f"usr/bin/{program}"].mode, 0o755)


class RunTest(unittest.TestCase):
    def test_every_library_resolves_inside_the_image(self):
        for program in PROGRAMS:
            listing = loader_listing(program)
            self.assertEqual(listing.returncode, 0, listing.stdout + listing.stderr)
            self.assertNotIn("not found", listing.stdout + listing.stderr)
            # Every library comes from the image: the loader's listing names paths inside it.
            for line in listing.stdout.splitlines():
                if "=>" in line:
                    self.assertTrue(os.path.exists(Image.root + line.split()[2]), line)

    def test_horizon_sync_and_dnsctl_run_inside_the_image(self):
        version = run_in_image(["/usr/bin/horizon-sync", "--version"])
        self.assertEqual(version.returncode, 0, version.stderr)
        self.assertIn(f"horizon {Image.version}", version.stdout)
        check = run_in_image(["/usr/bin/dnsctl", "check", "--zone",
                              "/etc/horizon/zones/madhan.app.yaml"])
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertIn("madhan.app", check.stdout)

    def test_horizond_serves_the_lan_view_with_the_image_config(self):
        config = Image.config["config"]
        port, metrics_port = free_port(), free_port()
        # The image's own command line, then loopback addresses instead of the container's
        # 0.0.0.0 (flags replace the config file's lists), and a forwarder on loopback so that
        # nothing is ever sent beyond this machine.
        argv = config["Entrypoint"] + config["Cmd"] + [
            "--listen", f"127.0.0.1:{port}", "--metrics", f"127.0.0.1:{metrics_port}",
            "--forward", "127.0.0.1:9"]
        log_path = os.path.join(Image.work, "horizond.log")
        with open(log_path, "w") as log:
            unshare = subprocess.Popen(namespace_command(Image.root, argv, as_user=True),
                                       env=environment(), stdout=log, stderr=subprocess.STDOUT,
                                       preexec_fn=die_with_parent)
        server = None

        def output():
            with open(log_path) as f:
                return f.read()

        try:
            # unshare forks one child, which becomes horizond once sh and chroot have exec'd.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and unshare.poll() is None:
                for pid in children(unshare.pid):
                    try:
                        with open(f"/proc/{pid}/cmdline", "rb") as f:
                            if f.read().split(b"\0")[0] == b"/usr/bin/horizond":
                                server = pid
                    except OSError:
                        pass
                if server is not None and dns_query(port, "grafana.madhan.app", timeout=0.5):
                    break
                time.sleep(0.1)
            self.assertIsNotNone(server, "horizond did not start:\n" + output())

            if os.geteuid() == 0:
                status_text = read_text(f"/proc/{server}/status")
                for field, expected in (("Uid", Image.uid), ("Gid", Image.gid)):
                    ids = re.search(rf"^{field}:\s+(.*)$", status_text, re.M).group(1).split()
                    self.assertEqual(set(ids), {str(expected)}, f"horizond's {field}")

            for tcp in (False, True):
                answer = dns_query(port, "grafana.madhan.app", tcp=tcp)
                self.assertIsNotNone(answer, "no answer over " + ("TCP" if tcp else "UDP"))
                self.assertEqual(answer, (0, True, [GRAFANA_LAN]))

            for path in ("/health", "/ready"):
                connection = http.client.HTTPConnection("127.0.0.1", metrics_port, timeout=5)
                connection.request("GET", path)
                self.assertEqual(connection.getresponse().status, 200, path)
                connection.close()

            # The control socket in /run/horizon, found through the image's Env, from a second
            # process in the image (what `kubectl exec ... dnsctl status` does).
            status = run_in_image(["/usr/bin/dnsctl", "status"])
            self.assertEqual(status.returncode, 0, status.stdout + status.stderr)
            self.assertIn("madhan.app", status.stdout)

            os.kill(server, signal.SIGTERM)
            # unshare exits with its child's status.
            self.assertEqual(unshare.wait(timeout=20), 0, output())
        finally:
            if unshare.poll() is None:
                unshare.kill()
                unshare.wait()
            print("\nhorizond's output:\n" + output())


class ContainerfileTest(unittest.TestCase):
    """deploy/image/Containerfile cannot be built here; its final stage must describe the image
    build.sh writes."""

    @classmethod
    def setUpClass(cls):
        text = read_text(CONTAINERFILE)
        text = re.sub(r"\\\n", "", text)  # a line continuation joins the lines as they are
        lines = [line.strip() for line in text.splitlines()
                 if line.strip() and not line.strip().startswith("#")]
        stages = [i for i, line in enumerate(lines) if line.upper().startswith("FROM ")]
        cls.base = lines[stages[-1]].split()[1]
        cls.instructions = [line.split(None, 1) for line in lines[stages[-1] + 1:]]

    def values(self, keyword):
        return [rest for word, rest in self.instructions if word.upper() == keyword]

    def test_user_entrypoint_cmd_ports_env_labels(self):
        config = Image.config["config"]
        self.assertEqual(self.values("USER"), [config["User"]])
        self.assertEqual([json.loads(v) for v in self.values("ENTRYPOINT")], [config["Entrypoint"]])
        self.assertEqual([json.loads(v) for v in self.values("CMD")], [config["Cmd"]])
        ports = {p if "/" in p else p + "/tcp" for v in self.values("EXPOSE") for p in v.split()}
        self.assertEqual(ports, set(config["ExposedPorts"]))
        for value in self.values("ENV"):
            for assignment in value.split():
                self.assertIn(assignment, config["Env"])
        for value in self.values("LABEL"):
            for key, label in re.findall(r'([\w.-]+)="([^"]*)"', value):
                self.assertEqual(config["Labels"].get(key), label, key)

    def test_files_user_and_directories(self):
        run = " ".join(self.values("RUN"))
        # Files copied in only to be used and deleted while building (the package list).
        removed = {word for words in re.findall(r"rm -rf ([^&;]+)", run) for word in words.split()}
        copies = [v.split() for v in self.values("COPY")]
        for copy in copies:
            if copy[0].startswith("--from="):
                source = copy[1].rstrip("/").replace("/out/", "/", 1)
                self.assertEqual(source, "/usr/bin")
                for program in PROGRAMS:
                    self.assertTrue(os.path.isfile(f"{Image.root}/usr/bin/{program}"))
                continue
            source, destination = copy
            if destination in removed:
                continue
            with open(os.path.join(SOURCE, source), "rb") as a, \
                    open(Image.root + destination, "rb") as b:
                self.assertEqual(a.read(), b.read(), f"{source} is {destination} in both images")
        self.assertRegex(run, rf"groupadd --gid {Image.gid} horizon\b")
        self.assertRegex(run, rf"useradd --uid {Image.uid} --gid {Image.gid}\b.* horizon\b")
        self.assertRegex(run, rf"install -d -o {Image.uid} -g {Image.gid} -m 0750 /run/horizon")
        self.assertIn("install-deps.sh runtime", run)

    def test_runtime_packages_cover_the_programs(self):
        # The final stage installs install-deps.sh's runtime set on Debian's slim image; each
        # library the programs are linked against must come from it (or from the slim image).
        if not shutil.which("dpkg-query") or not shutil.which("readelf"):
            self.skipTest("dpkg-query or readelf is missing: not a Debian build machine")
        if sanitized():
            # Debian's gcc links without --as-needed under -fsanitize, so such programs name
            # libraries (Boost.System's) that the Containerfile's Release build does not need.
            self.skipTest("sanitizer build: its linked libraries are not a Release build's; "
                          "the normal build's run of this test checks them")
        codename = re.search(r"^VERSION_CODENAME=(\w+)", read_text("/etc/os-release"), re.M)
        if codename:
            self.assertEqual(self.base, f"debian:{codename.group(1)}-slim",
                             "the Containerfile installs the packages of this Debian release")
        listed = set(re.search(r"runtime_packages=\(([^)]*)\)", read_text(INSTALL_DEPS))
                     .group(1).split())
        allowed = listed | SLIM_BASE_PACKAGES
        for program in PROGRAMS:
            # The image's libraries sit at the paths they have on this machine (rootfs.py).
            located = {}
            for line in loader_listing(program).stdout.splitlines():
                words = line.split()
                if "=>" in words:
                    located[words[0]] = words[2]
            dynamic = subprocess.run([shutil.which("readelf"), "-d",
                                      f"{Image.root}/usr/bin/{program}"], check=True,
                                     capture_output=True, text=True).stdout
            for soname in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+)\]", dynamic):
                host_path = located[soname]
                owners = self.packages_of(host_path)
                self.assertTrue(owners & allowed,
                                f"{program} needs {soname} ({host_path}, package "
                                f"{' or '.join(sorted(owners)) or 'unknown'}), which "
                                "install-deps.sh's runtime_packages does not list")

    @staticmethod
    def packages_of(path):
        # dpkg knows a file by the path its package ships it at: on a merged-/usr system that is
        # /lib/... for some packages and /usr/lib/... for others.
        for candidate in (path, os.path.realpath(path)):
            found = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True,
                                   text=True)
            if found.returncode == 0:
                return {line.split(":")[0] for line in found.stdout.splitlines()}
        return set()


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", required=True, help="the CMake build tree to pack")
    ARGS, rest = parser.parse_known_args()
    ARGS.build_dir = os.path.abspath(ARGS.build_dir)

    for tool in ("unshare", "chroot", "mount", "sh", "ldd", "strip"):
        path = shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")
        if not path:
            skip(f"{tool} is missing (deploy/install-deps.sh test installs what the test needs)")
        TOOLS[tool] = path
    if not os.path.isfile("/etc/ssl/certs/ca-certificates.crt"):
        skip("/etc/ssl/certs/ca-certificates.crt is missing: install Debian's ca-certificates")
    for program in ("server/horizond", "sync/horizon-sync", "sync/dnsctl"):
        if not os.access(os.path.join(ARGS.build_dir, program), os.X_OK):
            print(f"{program} is not built in {ARGS.build_dir}", file=sys.stderr)
            return 1
    # The namespaces and mounts the runs need, tried on an empty directory first.
    with tempfile.TemporaryDirectory(dir=ARGS.build_dir) as probe:
        os.mkdir(os.path.join(probe, "proc"))
        os.mkdir(os.path.join(probe, "dev"))
        command = namespace_command(probe, ["/"], as_user=False)
        command = command[:command.index(TOOLS["chroot"])] + ["true"]
        tried = subprocess.run(command, capture_output=True, text=True)
        if tried.returncode != 0:
            skip("cannot create mount and PID namespaces here"
                 + ("" if os.geteuid() == 0 else " (nor an unprivileged user namespace)")
                 + f": {tried.stderr.strip()}")
    program = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
