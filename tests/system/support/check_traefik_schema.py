#!/usr/bin/python3
"""Validates a Traefik dynamic-configuration file (YAML, or JSON as the HTTP provider serves it)
against JSON schemas of Traefik's file provider (tests/data/traefik).
Usage: check_traefik_schema.py [--same-as OTHER] FILE SCHEMA [SCHEMA...].
With --same-as, FILE must also hold the same document as OTHER (read the same way).
Prints every violation, one per line, and exits 1 when there is one; 0 when the file is valid
against every schema given; 2 when the file or a schema cannot be read."""

import json
import sys

import jsonschema
import yaml


def load(path):
    """The document in `path`; YAML is a superset of JSON, so one reader takes both."""
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def main(argv):
    other = None
    if len(argv) > 2 and argv[1] == "--same-as":
        other = argv[2]
        argv = argv[:1] + argv[3:]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        document = load(argv[1])
        expected = load(other) if other else None
    except (OSError, yaml.YAMLError) as e:
        print(f"{e}", file=sys.stderr)
        return 2
    failures = 0
    if other and document != expected:
        print(f"{argv[1]}: differs from {other}")
        failures += 1
    for schema_path in argv[2:]:
        try:
            with open(schema_path, encoding="utf-8") as f:
                schema = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{schema_path}: {e}", file=sys.stderr)
            return 2
        validator = jsonschema.Draft7Validator(schema)
        for error in validator.iter_errors(document):
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            print(f"{schema_path}: {where}: {error.message}")
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
