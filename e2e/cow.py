#!/usr/bin/env python3
"""Copy-on-write boots at the edges, decided by Nova's own code, on Glances running a heat
target's generated configuration. Runs in the e2e venv (nova_boot.py: Nova's root-disk path).

  cow.py --glance-a URL --glance-b URL [--glance-noconv URL] \\
      --store ID ADMIN_CONF FSID ... --present SITE URL --absent SITE URL \\
      --nova TARGET SITE NOVA_CONF ... --copy-targets T,T --timing-conf FILE \\
      --edge-policy GLANCE_DIR NO_OVERRIDE_POLICY OVERRIDE_POLICY [--distribute SCRIPT] --state DIR

--glance-a/-b: two central Glance APIs (two controllers) with the same generated conf and the
staging share at the path that conf names; --glance-noconv: a central API whose generated conf
has no image conversion (the negative). --present: the edge that gets the image by glance-direct;
--absent: the edge that does not. --nova: the generated nova.conf of SITE for TARGET (every
target's conf for both edges). --copy-targets: the targets whose release asks the edge Glance to
copy a missing image (THT sets images_rbd_glance_store_name from GlanceBackendID in wallaby and
later; 12.7.0 has no such parameter). --timing-conf: layered after each nova.conf; it only
shortens the copy poll interval. --edge-policy: the absent edge Glance's policy.yaml is replaced
by the override's policy after the default-policy steps (oslo.policy rereads a changed file).
--distribute: the generated distribute-images.sh, run against --glance-a as an admin (the `glance`
CLI of python-glanceclient on PATH, OS_AUTH_TOKEN = an e2e token, OS_IMAGE_URL).

Steps (each prints `ok <step>: detail` or `FAIL <step>: why` and exits 1):
  stores, glance-direct-two-apis (staged at A, imported at B), glance-direct-unshared (staged
  at A, imported through the present edge's Glance, which does not share the staging area:
  the task fails), nova-clone <target> (at
  --present), copy-image-member (a member's copy-image request at the absent edge Glance: 403
  from Glance's policy engine), nova-absent <target> (default policy: targets that copy must be
  refused by Glance's copy_image policy for a member, the others refuse to download),
  distribute-images (the generated script copies the image into every store as admin; run again
  it copies nothing), nova-after-distribute <target> (a member's boot at --absent clones without
  asking for a copy), nova-copy <target>
  (with the override: copy into the edge store, then clone), nova-wrong-cluster,
  nova-wrong-store (negative nova.confs: refused), nova-flat-without-guard (a target that does
  not copy, with the download guard off: Nova makes a flat copy, which the harness sees), qcow2-import (qemu-img qcow2 through the
  conversion: raw in every store, rbd size = virtual size, data = the raw disk), qcow2-copy
  (copy-image to --absent stays raw), nova-clone-qcow2, qcow2-noconv and nova-refuse-qcow2
  (stored as qcow2, Nova refuses), cleanup (images deleted, pools empty).
"""
import argparse
import configparser
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from acceptance import (Fail, Steps, check, expect, get_json, http, image,  # noqa: E402
                        image_stores, rbd, rbd_ls, rbd_names, wait_tasks)
import keystone_tokens  # noqa: E402
import nova_boot  # noqa: E402

# Negative steps carry this in their name: the log shows each refusal as expected.
XFAIL = " [expected-FAIL]"


def md5(data):
    return hashlib.md5(data).hexdigest()


class Cow:
    def __init__(self, a):
        self.a = a
        self.stores = {s[0]: {"conf": s[1], "fsid": s[2]} for s in a.store}
        self.present, self.present_url = a.present
        self.absent, self.absent_url = a.absent
        doc = get_json(f"{a.glance_a}/v2/info/stores", "GET /v2/info/stores")
        self.central = next(s["id"] for s in doc["stores"]
                            if str(s.get("default")).lower() == "true")
        self.novas = {}
        for target, site, conf in a.nova:
            self.novas.setdefault(target, {})[site] = conf
        self.copy_targets = [t for t in (a.copy_targets or "").split(",") if t]
        for t in self.copy_targets:
            check(t in self.novas, f"--copy-targets {t}: no --nova for it")
        self.nova = None
        self.images = []
        self.state = a.state
        os.makedirs(self.state, exist_ok=True)

    # --- helpers ---------------------------------------------------------------------
    def nova_boot(self, target, site, expect_, roles="member,reader", why=None, label=None,
                  extra=None, image_id=None):
        if self.nova is None:
            self.nova = nova_boot.Nova(os.path.join(self.state, "nova"))
        confs = [self.novas[target][site], self.a.timing_conf] + (extra or [])
        try:
            return self.nova.boot(confs, image_id or self.image_id, site,
                                  self.stores[site]["conf"], self.stores[site]["fsid"],
                                  expect_, roles, why, label or f"{target} {site}")
        except nova_boot.Fail as e:
            raise Fail(str(e))

    def create(self, glance, fmt, name):
        status, doc = http("POST", f"{glance}/v2/images",
                           {"name": name, "disk_format": fmt, "container_format": "bare"})
        img = expect(status, doc, 201, "POST /v2/images")
        self.images.append(img["id"])
        return img["id"]

    def stage(self, glance, image_id, data):
        status, doc = http("PUT", f"{glance}/v2/images/{image_id}/stage", data,
                           "application/octet-stream")
        expect(status, doc, 204, f"PUT stage at {glance}")

    def import_(self, glance, image_id, method, stores, ntasks):
        body = {"method": {"name": method}, "stores": stores, "all_stores_must_succeed": True}
        status, doc = http("POST", f"{glance}/v2/images/{image_id}/import", body)
        expect(status, doc, 202, f"{method} into {stores} at {glance}")
        img, tasks = wait_tasks(glance, image_id, self.a.timeout, ntasks)
        bad = [(t["status"], t.get("message")) for t in tasks if t["status"] != "success"]
        check(not bad, f"{method} at {glance}: tasks {bad}")
        failed = [s for s in (img.get("os_glance_failed_import") or "").split(",") if s]
        check(not failed, f"{method}: os_glance_failed_import = {failed}")
        check(set(stores) <= image_stores(img), f"stores {img.get('stores')}, want {stores}")
        return img

    def in_store(self, sid, image_id, data, what):
        """The rbd image of image_id in store sid holds exactly data."""
        conf = self.stores[sid]["conf"]
        rows = [r for r in rbd_ls(conf, "images") if r.get("image") == image_id
                and "snapshot" not in r]
        check(rows, f"{sid}: no images/{image_id}")
        check(rows[0].get("size") == len(data),
              f"{sid}: rbd size {rows[0].get('size')}, want {len(data)} ({what})")
        got = md5(rbd(conf, "export", f"images/{image_id}@snap", "-", binary=True))
        check(got == md5(data), f"{sid}: images/{image_id}@snap md5 {got}, want {md5(data)} "
                                f"({what})")

    def delete_from_store(self, glance, sid, image_id):
        status, doc = http("DELETE", f"{glance}/v2/stores/{sid}/{image_id}")
        expect(status, doc, 204, f"DELETE /v2/stores/{sid}/{image_id}")
        deadline = time.monotonic() + self.a.timeout
        while sid in image_stores(image(glance, image_id)) or \
                image_id in rbd_names(self.stores[sid]["conf"], "images"):
            check(time.monotonic() < deadline, f"{image_id} still in store {sid}")
            time.sleep(0.1)

    def set_policy(self, which):
        """The absent edge Glance starts with the default policy; the override is then written
        over it. Only in that order: Glance's Enforcer merges a reread file into the rules it
        has (oslo.policy with overwrite=False), so a rule once loaded stays until a restart."""
        dst = os.path.join(self.a.edge_policy[0], "policy.yaml")
        with open(self.a.edge_policy[1 if which == "default" else 2]) as f:
            text = f.read()
        if which == "default":
            with open(dst) as f:
                check(f.read() == text, f"{dst} is not the default policy the Glance started "
                                        f"with")
        else:
            with open(dst, "w") as f:
                f.write(text)
            # oslo.policy rereads a file whose mtime grew
            t = time.time() + 2
            os.utime(dst, (t, t))
        return " ".join(text.split())

    # --- steps -------------------------------------------------------------------------
    def stores_step(self):
        ids = {}
        for url in (self.a.glance_a, self.a.glance_b):
            doc = get_json(f"{url}/v2/info/stores/detail", "stores detail")
            ids[url] = {s["id"]: (s.get("properties") or {}).get("fsid") for s in doc["stores"]}
            for sid, fsid in ids[url].items():
                check(sid in self.stores, f"{url}: unknown store {sid}")
                check(fsid == self.stores[sid]["fsid"], f"{url}: {sid} fsid {fsid}")
        check(ids[self.a.glance_a] == ids[self.a.glance_b], f"the two APIs differ: {ids}")
        return f"A and B: {','.join(ids[self.a.glance_a])} (default {self.central})"

    def two_apis_step(self):
        self.data = random.Random(17).randbytes(2 * 1024 * 1024 + 4321)
        self.image_id = self.create(self.a.glance_a, "raw", "cow-raw")
        self.stage(self.a.glance_a, self.image_id, self.data)
        stores = [self.central, self.present]
        self.import_(self.a.glance_b, self.image_id, "glance-direct", stores, 1)
        for sid in stores:
            self.in_store(sid, self.image_id, self.data, "glance-direct")
        return (f"{self.image_id}: staged at A ({self.a.glance_a}), imported at B "
                f"({self.a.glance_b}) into {','.join(stores)}")

    def unshared_step(self):
        """The negative of two_apis_step: staged at A, imported through a Glance that does not
        mount the staging share (the present edge's, with its own staging store): the import
        task fails and the image is in no store."""
        data = random.Random(18).randbytes(64 * 1024)
        iid = self.create(self.a.glance_a, "raw", "cow-unshared")
        self.stage(self.a.glance_a, iid, data)
        body = {"method": {"name": "glance-direct"}, "stores": [self.present]}
        status, doc = http("POST", f"{self.present_url}/v2/images/{iid}/import", body)
        expect(status, doc, 202, f"glance-direct at {self.present_url}")
        img, tasks = wait_tasks(self.present_url, iid, self.a.timeout, 1)
        failed = [t for t in tasks if t["status"] == "failure"]
        check(failed, f"the import through a Glance without the staged data succeeded: "
                      f"tasks {[t['status'] for t in tasks]}, stores {img.get('stores')}")
        check(not image_stores(img), f"the image is in {img.get('stores')} after a failed import")
        msg = " ".join(str(failed[0].get("message") or "").split())[:160]
        return (f"staged at A, imported through {self.present}'s Glance (its own staging "
                f"store): task failure ({msg}), image {img['status']} in no store")

    def clone_step(self, target):
        return self.nova_boot(target, self.present, "clone")[3:]

    def absent_step(self, target):
        if target in self.copy_targets:
            return self.nova_boot(target, self.absent, "refuse",
                                  why=r"ImageNotAuthorized", label=f"{target} {self.absent}")[3:]
        return self.nova_boot(target, self.absent, "refuse",
                              why=r"ImageUnacceptable.*(No image locations are accessible)",
                              label=f"{target} {self.absent}")[3:]

    def member_copy_step(self):
        """A member's copy-image request, as Nova sends it (the user's token), at the absent
        edge Glance with the default policy: Glance's policy engine answers 403."""
        body = json.dumps({"method": {"name": "copy-image"}, "stores": [self.absent]}).encode()
        tok = keystone_tokens.token(nova_boot.PROJECT, ["member", "reader"])
        req = urllib.request.Request(f"{self.absent_url}/v2/images/{self.image_id}/import",
                                     data=body, method="POST",
                                     headers={"X-Auth-Token": tok,
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.a.timeout) as r:
                status, text = r.status, r.read().decode(errors="replace")
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode(errors="replace")
        check(status == 403, f"a member's copy-image into {self.absent} answered {status}, "
                             f"want 403 (copy_image is admin-only): {text[:300]}")
        check(self.absent not in image_stores(image(self.a.glance_a, self.image_id)),
              f"the image is in {self.absent} after a refused copy")
        return f"member's copy-image into {self.absent}: 403 {' '.join(text.split())[:160]}"

    def distribute(self):
        env = dict(os.environ, OS_IMAGE_URL=self.a.glance_a, DCNC_POLL="1",
                   DCNC_COPY_TIMEOUT=str(int(self.a.timeout)),
                   OS_AUTH_TOKEN=keystone_tokens.token(nova_boot.PROJECT,
                                                       ["admin", "member", "reader"]))
        for k in [k for k in env if k.startswith("OS_") and k not in ("OS_IMAGE_URL",
                                                                       "OS_AUTH_TOKEN")]:
            del env[k]
        p = subprocess.run(["bash", self.a.distribute, self.image_id], env=env,
                           capture_output=True, text=True, timeout=self.a.timeout + 60)
        out = " ".join((p.stdout + p.stderr).split())
        check(p.returncode == 0, f"{self.a.distribute} exited {p.returncode}: {out[:600]}")
        return out

    def distribute_step(self):
        first = self.distribute()
        stores = image_stores(image(self.a.glance_a, self.image_id))
        check(set(self.stores) <= stores, f"after distribute-images.sh: stores {stores}")
        check(f"copying {self.image_id}" in first, f"distribute-images.sh copied nothing: {first}")
        self.in_store(self.absent, self.image_id, self.data, "distribute-images.sh")
        again = self.distribute()
        check("already in" in again and "copying" not in again,
              f"distribute-images.sh run again did not skip the image: {again}")
        return f"{first[:200]} | run again: {again[:160]}"

    def after_distribute_step(self, target):
        line = self.nova_boot(target, self.absent, "clone",
                              label=f"{target} {self.absent} after distribute-images.sh")
        check("after asking" not in line, f"Nova asked for a copy of a distributed image: {line}")
        return line[3:]

    def undistribute_step(self):
        self.delete_from_store(self.a.glance_a, self.absent, self.image_id)
        return f"image deleted from store {self.absent} again (for the next steps)"

    def copy_step(self, target):
        line = self.nova_boot(target, self.absent, "clone")
        check("after asking the edge Glance to copy" in line,
              f"Nova cloned without asking for a copy: {line}")
        self.delete_from_store(self.a.glance_a, self.absent, self.image_id)
        return line[3:] + f"; then deleted from store {self.absent} again"

    def wrong_cluster_step(self, target):
        p = os.path.join(self.state, "wrong-cluster.conf")
        other = self.novas[target][self.absent]
        cp = configparser.ConfigParser(interpolation=None)
        cp.read(other)
        with open(p, "w") as f:
            f.write(f"[libvirt]\nimages_rbd_ceph_conf = "
                    f"{cp.get('libvirt', 'images_rbd_ceph_conf')}\n")
        return self.nova_boot(target, self.present, "refuse", extra=[p],
                              why="ImageUnacceptable|ImageNotAuthorized",
                              label=f"{target} {self.present} with images_rbd_ceph_conf of "
                                    f"{self.absent}")[3:]

    def wrong_store_step(self, target):
        p = os.path.join(self.state, "wrong-store.conf")
        with open(p, "w") as f:
            f.write(f"[libvirt]\nimages_rbd_glance_store_name = {self.central}\n")
        return self.nova_boot(target, self.absent, "refuse", roles="admin,member,reader",
                              extra=[p], why="ImageUnacceptable",
                              label=f"{target} {self.absent} with images_rbd_glance_store_name "
                                    f"{self.central}")[3:]

    def flat_step(self, target):
        """What the guard prevents: the same boot with never_download_image_if_on_rbd off
        downloads the image and imports it flat (the harness sees it, so a refusal above is
        Nova's guard and not a blind spot of the test)."""
        p = os.path.join(self.state, "no-guard.conf")
        with open(p, "w") as f:
            f.write("[workarounds]\nnever_download_image_if_on_rbd = False\n")
        return self.nova_boot(target, self.absent, "flat", extra=[p],
                              label=f"{target} {self.absent} without the guard")[3:]

    def make_qcow2(self):
        raw = os.path.join(self.state, "disk.raw")
        qcow2 = os.path.join(self.state, "disk.qcow2")
        data = random.Random(22).randbytes(1024 * 1024) + bytes(7 * 1024 * 1024)
        with open(raw, "wb") as f:
            f.write(data)
        subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, qcow2],
                       check=True, capture_output=True)
        with open(qcow2, "rb") as f:
            self.qcow2 = f.read()
        self.raw = data
        check(len(self.qcow2) < len(self.raw), "the qcow2 file is not smaller than its disk")

    def qcow2_step(self):
        self.make_qcow2()
        self.qimage = self.create(self.a.glance_a, "qcow2", "cow-qcow2")
        self.stage(self.a.glance_a, self.qimage, self.qcow2)
        stores = [self.central, self.present]
        img = self.import_(self.a.glance_b, self.qimage, "glance-direct", stores, 1)
        check(img["disk_format"] == "raw", f"disk_format {img['disk_format']} after import, "
                                           f"want raw (image_conversion)")
        for sid in stores:
            self.in_store(sid, self.qimage, self.raw, "converted to raw")
        return (f"qemu-img qcow2 ({len(self.qcow2)} bytes, virtual {len(self.raw)}) -> "
                f"disk_format raw, rbd size {len(self.raw)} = virtual size, data = the raw disk "
                f"in {','.join(stores)}")

    def qcow2_copy_step(self):
        img = self.import_(self.a.glance_a, self.qimage, "copy-image", [self.absent], 2)
        check(img["disk_format"] == "raw", f"disk_format {img['disk_format']} after copy")
        self.in_store(self.absent, self.qimage, self.raw, "copy-image")
        return f"copy-image into {self.absent}: raw, {len(self.raw)} bytes, same data"

    def qcow2_clone_step(self, target):
        return self.nova_boot(target, self.absent, "clone", image_id=self.qimage,
                              label=f"{target} {self.absent} (qcow2 upload)")[3:]

    def noconv_step(self):
        g = self.a.glance_noconv
        self.nimage = self.create(g, "qcow2", "cow-qcow2-noconv")
        self.stage(g, self.nimage, self.qcow2)
        stores = [self.central, self.present]
        img = self.import_(g, self.nimage, "glance-direct", stores, 1)
        check(img["disk_format"] == "qcow2", f"disk_format {img['disk_format']}, want qcow2")
        for sid in stores:
            self.in_store(sid, self.nimage, self.qcow2, "stored as uploaded")
        return (f"no conversion: disk_format qcow2, rbd size {len(self.qcow2)} = the qcow2 "
                f"file in {','.join(stores)}")

    def noconv_refuse_step(self, target):
        return self.nova_boot(target, self.present, "refuse", image_id=self.nimage,
                              why="ImageUnacceptable.*not raw",
                              label=f"{target} {self.present} (qcow2 stored as is)")[3:]

    def cleanup_step(self):
        for iid in self.images:
            status, doc = http("DELETE", f"{self.a.glance_a}/v2/images/{iid}")
            check(status in (204, 404), f"DELETE {iid}: {status} {doc}")
        deadline = time.monotonic() + self.a.timeout
        while True:
            left = {sid: rbd_names(s["conf"], "images") + rbd_names(s["conf"], "vms")
                    for sid, s in self.stores.items()}
            left = {k: v for k, v in left.items() if v}
            if not left:
                return f"{len(self.images)} images deleted; images and vms pools empty"
            check(time.monotonic() < deadline, f"not empty: {left}")
            time.sleep(0.1)


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--glance-a", required=True)
    p.add_argument("--glance-b", required=True)
    p.add_argument("--glance-noconv")
    p.add_argument("--store", nargs=3, action="append", required=True,
                   metavar=("ID", "ADMIN_CONF", "FSID"))
    p.add_argument("--present", nargs=2, required=True, metavar=("SITE", "URL"))
    p.add_argument("--absent", nargs=2, required=True, metavar=("SITE", "URL"))
    p.add_argument("--nova", nargs=3, action="append", required=True,
                   metavar=("TARGET", "SITE", "CONF"))
    p.add_argument("--copy-targets", default="")
    p.add_argument("--timing-conf", required=True)
    p.add_argument("--edge-policy", nargs=3, required=True,
                   metavar=("GLANCE_DIR", "DEFAULT_POLICY", "OVERRIDE_POLICY"))
    p.add_argument("--distribute", default=None)
    p.add_argument("--state", default=None)
    p.add_argument("--timeout", type=float, default=120.0)
    a = p.parse_args(argv)
    a.state = a.state or tempfile.mkdtemp(prefix="cow-")
    return a


def main(argv):
    a = parse(argv)
    s = Steps()
    c = Cow(a)
    targets = list(c.novas)
    s.run("stores", c.stores_step)
    s.run("glance-direct-two-apis", c.two_apis_step)
    s.run("glance-direct-unshared" + XFAIL, c.unshared_step)
    for t in targets:
        s.run(f"nova-clone {t} {c.present}", c.clone_step, t)
    s.run("policy default", c.set_policy, "default")
    s.run("copy-image-member" + XFAIL, c.member_copy_step)
    for t in targets:
        s.run(f"nova-absent {t} {c.absent}" + XFAIL, c.absent_step, t)
    if a.distribute:
        s.run("distribute-images", c.distribute_step)
        for t in targets:
            s.run(f"nova-after-distribute {t} {c.absent}", c.after_distribute_step, t)
        s.run("undistribute", c.undistribute_step)
    if c.copy_targets:
        s.run("policy override", c.set_policy, "override")
        for t in c.copy_targets:
            s.run(f"nova-copy {t} {c.absent}", c.copy_step, t)
        s.run("nova-wrong-store" + XFAIL, c.wrong_store_step, c.copy_targets[0])
    s.run("nova-wrong-cluster" + XFAIL, c.wrong_cluster_step, targets[0])
    no_copy = [t for t in targets if t not in c.copy_targets]
    if no_copy:
        s.run("nova-flat-without-guard", c.flat_step, no_copy[0])
    s.run("qcow2-import", c.qcow2_step)
    s.run("qcow2-copy", c.qcow2_copy_step)
    s.run("nova-clone-qcow2", c.qcow2_clone_step, targets[0])
    if a.glance_noconv:
        s.run("qcow2-noconv", c.noconv_step)
        s.run("nova-refuse-qcow2" + XFAIL, c.noconv_refuse_step, targets[0])
    s.run("cleanup", c.cleanup_step)
    print(f"cow passed ({time.monotonic() - s.t0:.2f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
