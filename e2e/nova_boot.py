#!/usr/bin/env python3
"""Nova's own root-disk path of a boot, driven by a generated nova.conf, against a real edge
Glance and the edge's real Ceph cluster. Runs in the e2e venv (nova 34 installed --no-deps with
the few libraries its modules import, see install.sh).

What runs is Nova's code: `LibvirtDriver._create_and_inject_local_root` (the part of spawn that
makes the root disk: its `clone_fallback_to_fetch` closure with the
`[workarounds] never_download_image_if_on_rbd` guard, `_try_fetch_image_cache`, the image
backend's `cache`/`create_image`), the libvirt `Rbd` image backend (`clone`; `copy_to_store`,
which asks the edge Glance to copy the image into `[libvirt] images_rbd_glance_store_name`),
`nova.storage.rbd_utils.RBDDriver` (`is_cloneable` compares each location's fsid with the cluster
`images_rbd_ceph_conf` reaches as `rbd_user`) and `nova.image.glance` (python-glanceclient to
`[glance] endpoint_override` or `api_servers`, with the user's token). Only libvirt is absent:
the driver's methods run on a host object that holds Nova's image backend.

As a module: `Nova().boot(...)` (cow.py runs many boots in one process). As a command:

  nova_boot.py --nova-conf FILE [--nova-conf FILE...] --image ID --site NAME \\
      --admin-conf CONF --fsid FSID [--roles member,reader] --expect clone|refuse|flat \\
      [--why REGEX] [--state DIR]

--nova-conf: the generated nova.conf, then any override (later files win, as in nova-compute);
the harness adds a state dir and a lock path only. --admin-conf/--fsid: the site's cluster, to
read what Nova left in its vms pool. --expect clone: Nova clones, and the disk's parent is
images/<ID>@snap in that cluster; refuse: Nova raises (ImageUnacceptable, ImageNotAuthorized, ...)
and leaves no disk in either cluster and no downloaded copy; flat: Nova downloads the image and
imports it without a parent (a release without the guard). --why: the refusal must match REGEX.
Prints `ok nova-boot <label>: ...`, or `FAIL nova-boot <label>: ...` and exits 1.
"""
import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import uuid
import warnings

import keystone_tokens

warnings.filterwarnings("ignore")

PROJECT = "0123456789abcdef0123456789abcdef"


class Fail(Exception):
    pass


def rbd_info(admin_conf, name):
    p = subprocess.run(["rbd", "-c", admin_conf, "--id", "admin", "info", name, "--format",
                        "json"], capture_output=True, text=True)
    return json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else None


def rbd_rm(admin_conf, name):
    subprocess.run(["rbd", "-c", admin_conf, "--id", "admin", "rm", "--no-progress", name],
                   capture_output=True)


def cluster_fsid(admin_conf):
    p = subprocess.run(["ceph", "-c", admin_conf, "--id", "admin", "fsid"],
                       capture_output=True, text=True, timeout=60)
    return p.stdout.strip()


class Nova:
    """Nova's modules, imported once; each boot() re-reads the configuration files."""

    def __init__(self, state=None):
        self.state = state or tempfile.mkdtemp(prefix="nova-boot-")
        os.makedirs(self.state, exist_ok=True)
        self.harness_conf = os.path.join(self.state, "harness.conf")
        with open(self.harness_conf, "w") as f:
            # not image settings: where nova-compute keeps its state and its locks
            f.write(f"[DEFAULT]\nstate_path = {self.state}\n"
                    f"instances_path = {self.state}/instances\n"
                    f"[oslo_concurrency]\nlock_path = {self.state}/locks\n")
        self.records = []
        records = self.records

        class Keep(logging.Handler):
            def emit(self, r):
                records.append(r.getMessage())

        log = logging.getLogger("nova")
        log.setLevel(logging.DEBUG)
        log.addHandler(Keep())

        import nova.conf
        from nova import context, exception, objects
        from nova.virt.libvirt import driver, imagebackend, imagecache
        from nova.storage import rbd_utils

        self.CONF = nova.conf.CONF
        self.context, self.exception, self.objects = context, exception, objects
        self.imagecache, self.rbd_utils = imagecache, rbd_utils
        objects.register_all()
        CONF = self.CONF

        class Host:
            """The LibvirtDriver methods of the root-disk path, on Nova's image backend."""
            _create_and_inject_local_root = driver.LibvirtDriver._create_and_inject_local_root
            _try_fetch_image_cache = driver.LibvirtDriver._try_fetch_image_cache
            _rebase_original_qcow2_image = driver.LibvirtDriver._rebase_original_qcow2_image
            _needs_rebase_original_qcow2_image = \
                driver.LibvirtDriver._needs_rebase_original_qcow2_image

            def __init__(self):
                self.image_backend = imagebackend.Backend(CONF.use_cow_images)

        self.Host = Host

    def settings(self):
        c = self.CONF
        return (f"images_type={c.libvirt.images_type} pool={c.libvirt.images_rbd_pool} "
                f"ceph_conf={c.libvirt.images_rbd_ceph_conf} rbd_user={c.libvirt.rbd_user} "
                f"glance_store_name={c.libvirt.images_rbd_glance_store_name or '-'} "
                f"never_download={c.workarounds.never_download_image_if_on_rbd} "
                f"glance={c.glance.endpoint_override or ','.join(c.glance.api_servers or [])}")

    def boot(self, confs, image, site, admin_conf, fsid, expect, roles="member,reader",
             why=None, label=None):
        """One boot's root disk; returns the ok line, raises Fail."""
        label = f"nova-boot {label or site}"
        CONF = self.CONF
        CONF([], project="nova", default_config_files=[self.harness_conf, *confs])
        del self.records[:]
        got = cluster_fsid(admin_conf)
        if got != fsid:
            raise Fail(f"{label}: the admin conf {admin_conf} reaches fsid {got!r}, "
                       f"not {site}'s {fsid}")
        if CONF.libvirt.images_type != "rbd":
            raise Fail(f"{label}: [libvirt] images_type is {CONF.libvirt.images_type!r} in "
                       f"{confs}: Nova would not put disks in Ceph")
        settings = self.settings()
        nova_rbd = self.rbd_utils.RBDDriver()
        nova_fsid = nova_rbd.get_fsid()

        ctx = self.context.RequestContext(
            user_id="e2e-" + roles.split(",")[0], project_id=PROJECT, roles=roles.split(","),
            auth_token=keystone_tokens.token(PROJECT, roles.split(",")))
        inst = str(uuid.uuid4())
        o = self.objects
        instance = o.Instance(
            uuid=inst, image_ref=image, config_drive="", launched_at=None, task_state=None,
            vm_state="building", system_metadata={}, trusted_certs=None,
            migration_context=None,
            flavor=o.Flavor(root_gb=1, ephemeral_gb=0, swap=0, extra_specs={}))
        disk = f"{inst}_disk"
        base = os.path.join(CONF.instances_path, CONF.image_cache.subdirectory_name,
                            self.imagecache.get_cache_fname(image))
        err = None
        try:
            self.Host()._create_and_inject_local_root(
                ctx, instance, {"disk": {"bus": "virtio", "dev": "vda", "type": "disk"}},
                False, "", {"image_id": image}, None, None)
        except Exception as e:  # what spawn() would see
            err = e
        info = rbd_info(admin_conf, f"vms/{disk}")
        in_nova_cluster = nova_rbd.exists(disk)
        downloaded = os.path.exists(base)
        asked = any(m.startswith("Asking glance to copy image") for m in self.records)
        trail = "; ".join(dict.fromkeys(
            m for m in self.records
            if m.startswith(("Selected location", "Asking glance", "Image ")) and
            not m.startswith("Image locations are") or "different ceph cluster" in m
            or "refusing to fetch" in m))[:700]
        try:
            if expect == "clone":
                if err is not None:
                    raise Fail(f"{label}: Nova did not clone: {type(err).__name__}: {err} "
                               f"({settings}; {trail})")
                if CONF.libvirt.rbd_secret_uuid != fsid or nova_fsid != fsid:
                    raise Fail(f"{label}: Nova's cluster has fsid {nova_fsid}, "
                               f"rbd_secret_uuid {CONF.libvirt.rbd_secret_uuid}, want {site}'s "
                               f"{fsid} for both (libvirt's secret is named by the fsid)")
                if info is None:
                    raise Fail(f"{label}: no vms/{disk} in {site}'s cluster ({trail})")
                p = info.get("parent") or {}
                parent = f"{p.get('pool')}/{p.get('image')}@{p.get('snapshot')}"
                if parent != f"images/{image}@snap":
                    raise Fail(f"{label}: vms/{disk} has parent {parent!r}, want "
                               f"images/{image}@snap (a flat copy is not copy-on-write)")
                if downloaded:
                    raise Fail(f"{label}: Nova cloned but also downloaded the image to {base}")
                how = (" after asking the edge Glance to copy it into "
                       f"{CONF.libvirt.images_rbd_glance_store_name}") if asked else ""
                return (f"ok {label}: Nova chose to clone: vms/{disk} has parent {parent} in "
                        f"cluster {site} (fsid {fsid}){how}; {settings}")
            if expect == "refuse":
                if err is None:
                    kind = "a flat copy" if info is not None and not info.get("parent") \
                        else "a disk"
                    raise Fail(f"{label}: Nova made {kind} (vms/{disk}), want a refusal "
                               f"({settings}; {trail})")
                if info is not None or in_nova_cluster:
                    raise Fail(f"{label}: Nova raised {type(err).__name__} but left vms/{disk}")
                if downloaded:
                    raise Fail(f"{label}: Nova raised {type(err).__name__} but downloaded the "
                               f"image to {base}")
                text = f"{type(err).__name__}: {err}"
                if why and not re.search(why, text):
                    raise Fail(f"{label}: Nova refused with {text!r}, want /{why}/ ({trail})")
                return (f"ok {label}: Nova refused: {text} (no disk, no download; "
                        f"{settings}; {trail})")
            # flat
            if err is not None:
                raise Fail(f"{label}: Nova raised {type(err).__name__}: {err}, want a flat copy")
            if info is None or info.get("parent"):
                raise Fail(f"{label}: want a flat vms/{disk}, got {info!r}")
            return (f"ok {label}: Nova downloaded the image and imported vms/{disk} flat (no "
                    f"parent: not copy-on-write); {settings}")
        finally:
            if info is not None:
                rbd_rm(admin_conf, f"vms/{disk}")
            elif in_nova_cluster:
                nova_rbd.remove_image(disk)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nova-conf", action="append", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--site", required=True)
    ap.add_argument("--admin-conf", required=True)
    ap.add_argument("--fsid", required=True)
    ap.add_argument("--roles", default="member,reader")
    ap.add_argument("--expect", choices=("clone", "refuse", "flat"), required=True)
    ap.add_argument("--why", default=None)
    ap.add_argument("--state", default=None)
    ap.add_argument("--label", default=None)
    a = ap.parse_args()
    try:
        print(Nova(a.state).boot(a.nova_conf, a.image, a.site, a.admin_conf, a.fsid, a.expect,
                                 a.roles, a.why, a.label), flush=True)
    except Fail as e:
        print(f"FAIL {e}", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
