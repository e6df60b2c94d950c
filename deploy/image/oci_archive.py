#!/usr/bin/env python3
"""Writes a directory tree as a one-layer OCI image archive (an OCI image layout in a tar file).

    oci_archive.py --root DIR --config CONFIG.json --ref-name horizon:0.1.0 --out horizon.tar
                   [--owner run/horizon=65532:65532 ...] [--epoch SECONDS]

CONFIG.json is the image configuration's `config` object (User, Entrypoint, Cmd, ExposedPorts,
Env, Labels); this script adds the parts that describe the layer. Only the standard library is
used, so the image can be built on a machine without any container tool or registry.

The output is reproducible: the same tree and arguments give the same bytes, hence the same image
digest. Entries are sorted, every time stamp is --epoch (default $SOURCE_DATE_EPOCH, else 0),
files belong to root unless --owner says otherwise, and gzip's header carries no name or time.

Beside the OCI layout the archive holds a manifest.json as `docker save` writes it, pointing at
the same blobs: Docker's classic image store loads archives through that file only, while Podman,
skopeo and containerd read index.json.
"""

import argparse
import datetime
import gzip
import hashlib
import io
import json
import os
import platform
import shutil
import stat
import sys
import tarfile
import tempfile

MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"

# The kernel's machine names against the architecture names of the OCI image spec (Go's GOARCH).
ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "ppc64le": "ppc64le", "s390x": "s390x",
                 "riscv64": "riscv64"}


def canonical_json(value):
    """One fixed serialisation, so the digests depend on the content only."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def tree_entries(root):
    """Every path below root, relative, sorted so that parents precede their children."""
    entries = []
    for directory, dirs, files in os.walk(root):
        rel = os.path.relpath(directory, root)
        for name in dirs + files:
            entries.append(os.path.normpath(os.path.join(rel, name)))
    return sorted(entries)


def write_layer(root, layer_path, owners, epoch):
    """The uncompressed layer tar of root at layer_path."""
    with tarfile.open(layer_path, "w", format=tarfile.PAX_FORMAT) as tar:
        for rel in tree_entries(root):
            path = os.path.join(root, rel)
            st = os.lstat(path)
            info = tarfile.TarInfo(rel)
            info.mtime = epoch
            info.mode = stat.S_IMODE(st.st_mode)
            info.uid, info.gid = owners.get(rel, (0, 0))
            info.uname = info.gname = ""
            if stat.S_ISLNK(st.st_mode):
                info.type = tarfile.SYMTYPE
                info.linkname = os.readlink(path)
                tar.addfile(info)
            elif stat.S_ISDIR(st.st_mode):
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif stat.S_ISREG(st.st_mode):
                info.size = st.st_size
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            else:
                sys.exit(f"oci_archive.py: {path}: only files, directories and symlinks belong "
                         "in the image")


def compress(source, target):
    # filename="" and mtime=0 keep the gzip header free of the temporary name and the clock.
    # Level 6: level 9 takes three times as long for half a percent less.
    with open(source, "rb") as raw, open(target, "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6) as gz:
            shutil.copyfileobj(raw, gz, 1 << 20)


def add_bytes(tar, name, data, epoch):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), epoch, 0o644
    tar.addfile(info, io.BytesIO(data))


def add_dir(tar, name, epoch):
    info = tarfile.TarInfo(name)
    info.type, info.mtime, info.mode = tarfile.DIRTYPE, epoch, 0o755
    tar.addfile(info)


def parse_owner(text):
    path, _, ids = text.partition("=")
    uid, _, gid = ids.partition(":")
    if not path or not uid.isdigit() or not gid.isdigit():
        raise argparse.ArgumentTypeError(f"expected PATH=UID:GID, got {text!r}")
    return os.path.normpath(path.lstrip("/")), (int(uid), int(gid))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True, help="the image's file system")
    parser.add_argument("--config", required=True, help="the image config's `config` object")
    parser.add_argument("--ref-name", required=True,
                        help="name:tag for the org.opencontainers.image.ref.name annotation")
    parser.add_argument("--out", required=True, help="the archive to write")
    parser.add_argument("--owner", action="append", type=parse_owner, default=[],
                        help="PATH=UID:GID for an entry not owned by root (repeatable)")
    parser.add_argument("--epoch", type=int,
                        default=int(os.environ.get("SOURCE_DATE_EPOCH", "0")),
                        help="time stamp of everything (default $SOURCE_DATE_EPOCH, else 0)")
    parser.add_argument("--architecture", default=ARCHITECTURES.get(platform.machine()),
                        help="OCI architecture name (default: this machine's)")
    args = parser.parse_args()
    if not args.architecture:
        parser.error(f"unknown machine {platform.machine()}: give --architecture")
    owners = dict(args.owner)
    created = datetime.datetime.fromtimestamp(args.epoch, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    with open(args.config) as f:
        runtime_config = json.load(f)

    with tempfile.TemporaryDirectory() as scratch:
        layer_tar = os.path.join(scratch, "layer.tar")
        layer_gz = os.path.join(scratch, "layer.tar.gz")
        write_layer(args.root, layer_tar, owners, args.epoch)
        compress(layer_tar, layer_gz)
        diff_id = sha256_file(layer_tar)
        layer_digest = sha256_file(layer_gz)
        layer_size = os.path.getsize(layer_gz)

        config = canonical_json({
            "created": created,
            "architecture": args.architecture,
            "os": "linux",
            "config": runtime_config,
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created": created, "created_by": "deploy/image/build.sh"}],
        })
        config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
        manifest = canonical_json({
            "schemaVersion": 2,
            "mediaType": MEDIA_MANIFEST,
            "config": {"mediaType": MEDIA_CONFIG, "digest": config_digest, "size": len(config)},
            "layers": [{"mediaType": MEDIA_LAYER, "digest": layer_digest, "size": layer_size}],
        })
        manifest_digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
        index = canonical_json({
            "schemaVersion": 2,
            "mediaType": MEDIA_INDEX,
            "manifests": [{
                "mediaType": MEDIA_MANIFEST,
                "digest": manifest_digest,
                "size": len(manifest),
                "platform": {"architecture": args.architecture, "os": "linux"},
                "annotations": {"org.opencontainers.image.ref.name": args.ref_name},
            }],
        })

        def blob(digest):
            return "blobs/sha256/" + digest.split(":", 1)[1]

        docker_manifest = canonical_json([{
            "Config": blob(config_digest),
            "RepoTags": [args.ref_name],
            "Layers": [blob(layer_digest)],
        }])

        partial = args.out + ".partial"
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            add_bytes(tar, "oci-layout", canonical_json({"imageLayoutVersion": "1.0.0"}),
                      args.epoch)
            add_bytes(tar, "index.json", index, args.epoch)
            add_bytes(tar, "manifest.json", docker_manifest, args.epoch)
            add_dir(tar, "blobs", args.epoch)
            add_dir(tar, "blobs/sha256", args.epoch)
            blobs = {config_digest: config, manifest_digest: manifest, layer_digest: None}
            for digest in sorted(blobs):
                if blobs[digest] is not None:
                    add_bytes(tar, blob(digest), blobs[digest], args.epoch)
                    continue
                info = tarfile.TarInfo(blob(digest))
                info.size, info.mtime, info.mode = layer_size, args.epoch, 0o644
                with open(layer_gz, "rb") as f:
                    tar.addfile(info, f)
        # Renamed only when complete, so a failed run never leaves a truncated archive behind.
        os.replace(partial, args.out)

    def size(n):
        return f"{n} bytes ({n / (1 << 20):.1f} MiB)"

    print(f"image manifest {manifest_digest}, ref name {args.ref_name}")
    print(f"compressed layer: {size(layer_size)}")
    print(f"archive {args.out}: {size(os.path.getsize(args.out))}")


if __name__ == "__main__":
    main()
