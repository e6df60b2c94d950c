#!/usr/bin/env python3
"""Copies into an image root the shared libraries and the dynamic loader that programs need.

    rootfs.py ROOT PROGRAM...

ldd (this machine's loader) names every library a PROGRAM loads, its dependencies' dependencies
included. Each is copied to the same path under ROOT, and so is every symlink on the way to it:
the loader inside the image then finds the libraries where the programs were linked to look, and
on a merged-/usr system /lib stays a symlink to usr/lib instead of becoming a second copy.
Libraries opened with dlopen() are not seen by ldd; horizon's programs open none (glibc's own
name service modules for files and DNS are built into libc.so.6 since glibc 2.34).
"""

import os
import shutil
import subprocess
import sys


def libraries(program):
    """Absolute paths of the libraries and loader ldd lists for program."""
    out = subprocess.run(["ldd", program], check=True, capture_output=True, text=True).stdout
    paths = []
    for line in out.splitlines():
        words = line.split()
        if "not found" in line:
            sys.exit(f"rootfs.py: {program}: {line.strip()}")
        if "=>" in words:
            target = words[words.index("=>") + 1]
            if target.startswith("/"):
                paths.append(target)
        elif words and words[0].startswith("/"):
            paths.append(words[0])  # the loader, listed by its own path
        # Anything else (linux-vdso.so.1) is provided by the kernel, not by a file.
    return paths


def copy_into(root, path, seen):
    """Copies the host's path into root, with each symlink met on the way as a symlink."""
    if path in seen:
        return
    seen.add(path)
    parts = path.strip("/").split("/")
    current = ""
    for i, part in enumerate(parts):
        current += "/" + part
        inside = root + current
        if os.path.islink(current):
            target = os.readlink(current)
            if not os.path.lexists(inside):
                os.symlink(target, inside)
            resolved = target if target.startswith("/") else os.path.join(
                os.path.dirname(current), target)
            rest = parts[i + 1:]
            copy_into(root, os.path.normpath(os.path.join(resolved, *rest)), seen)
            return
        if i < len(parts) - 1:
            if not os.path.isdir(inside):
                os.mkdir(inside)
                os.chmod(inside, 0o755)
        elif not os.path.exists(inside):
            shutil.copyfile(current, inside)
            os.chmod(inside, 0o755 if os.access(current, os.X_OK) else 0o644)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: " + __doc__.strip().split("\n\n")[1].strip())
    root = os.path.abspath(sys.argv[1])
    seen = set()
    for program in sys.argv[2:]:
        for path in libraries(program):
            copy_into(root, path, seen)


if __name__ == "__main__":
    main()
