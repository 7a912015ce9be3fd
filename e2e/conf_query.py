#!/usr/bin/env python3
"""Read facts from an oslo-style ini file (glance-api.conf, nova.conf) for run.sh.

  conf_query.py stores CONF          the rbd stores CONF enables, one per line, tab-separated:
                                     ID  RBD_STORE_USER  RBD_STORE_CEPH_CONF  RBD_STORE_POOL
  conf_query.py get CONF SECTION OPTION   one option's value (exit 1 when absent)

Parsing: case kept, no interpolation, `=` only, [DEFAULT] is an
ordinary section. Python stdlib only.
"""
import configparser
import sys


def read(path):
    cp = configparser.ConfigParser(interpolation=None, delimiters=("=",),
                                   default_section="\x00no-default-section")
    cp.optionxform = str
    with open(path, encoding="utf-8") as f:
        cp.read_file(f)
    return cp


def stores(path):
    cp = read(path)
    for item in cp.get("DEFAULT", "enabled_backends", fallback="").split(","):
        if not item.strip():
            continue
        sid, _, kind = (x.strip() for x in item.partition(":"))
        if kind != "rbd":
            continue
        if not cp.has_section(sid):
            sys.exit(f"conf_query: {path}: no section [{sid}] for enabled backend {sid}")
        sec = cp[sid]
        yield (sid, sec.get("rbd_store_user", "admin"),
               sec.get("rbd_store_ceph_conf", "/etc/ceph/ceph.conf"),
               sec.get("rbd_store_pool", "images"))


def main(argv):
    if len(argv) == 2 and argv[0] == "stores":
        for row in stores(argv[1]):
            print("\t".join(row))
    elif len(argv) == 4 and argv[0] == "get":
        cp = read(argv[1])
        if not cp.has_option(argv[2], argv[3]):
            sys.exit(f"conf_query: {argv[1]}: no [{argv[2]}] {argv[3]}")
        print(cp.get(argv[2], argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
