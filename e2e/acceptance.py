#!/usr/bin/env python3
"""The seed's acceptance ("Did it work?"), over HTTP against running Glances and with `rbd`
against the real Ceph clusters. Python stdlib only; shells out to `rbd`.

Each step prints `ok <step>: detail` or `FAIL <step>: why`; the first failure exits 1.

Positive run (every store healthy):
  acceptance.py --glance http://127.0.0.1:19292 --default central \\
      --store central /t/ceph/central.conf 6a9c... --store dcn0 /t/ceph/dcn0.conf 7b0d... \\
      --store dcn1 /t/ceph/dcn1.conf 8c1e... \\
      --edge dcn0 http://127.0.0.1:19293 --edge-stores dcn0 dcn0 --nova-conf dcn0 /t/dcn0/nova.conf
  (ADMIN_CONF is each cluster's admin conf: rbd checks run with it.)
  Steps: stores, stores-detail, edge-stores, create, stage, import, copy-image, image-stores,
  locations, rbd-images, rbd-md5, cow-clone, nova-glance, reimport-400, reimport-409,
  delete, pools-empty.

Negative run (--broken-store ID: that store cannot reach its cluster, e.g. its key is missing):
  stores, stores-detail (null fsid expected for ID), create, stage, import,
  copy-image-fails (ID ends up in os_glance_failed_import), delete, pools-empty.
"""
import argparse
import configparser
import hashlib
import json
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

HEADERS = {
    "X-Identity-Status": "Confirmed",
    "X-Project-Id": "0123456789abcdef0123456789abcdef",
    "X-User-Id": "dcnc-e2e",
    "X-Roles": "admin,member,reader",
}
TASK_DONE = {"success", "failure"}


class Fail(Exception):
    pass


class Steps:
    def __init__(self):
        self.t0 = time.monotonic()

    def run(self, name, fn, *args):
        t = time.monotonic()
        try:
            detail = fn(*args)
        except Fail as e:
            print(f"FAIL {name}: {e}", flush=True)
            sys.exit(1)
        except Exception as e:  # an unexpected error still names the step
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
            sys.exit(1)
        extra = f": {detail}" if detail else ""
        print(f"ok {name} ({time.monotonic() - t:.2f}s){extra}", flush=True)
        return detail


def check(cond, why):
    if not cond:
        raise Fail(why)


# --- HTTP ----------------------------------------------------------------------

HTTP_TIMEOUT = [120.0]


def http(method, url, body=None, content_type="application/json", timeout=None):
    timeout = timeout or HTTP_TIMEOUT[0]
    data = None
    headers = dict(HEADERS)
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    except urllib.error.URLError as e:
        raise Fail(f"{method} {url}: {e.reason}")
    try:
        doc = json.loads(raw) if raw else None
    except ValueError:
        doc = raw.decode(errors="replace")
    return status, doc


def expect(status, doc, want, what):
    if status != want:
        raise Fail(f"{what} answered {status}, want {want}: {str(doc)[:400]}")
    return doc


def get_json(url, what):
    status, doc = http("GET", url)
    return expect(status, doc, 200, what)


def image(glance, image_id):
    return get_json(f"{glance}/v2/images/{image_id}", f"GET image {image_id}")


def image_stores(img):
    return {s for s in (img.get("stores") or "").split(",") if s}


def wait_tasks(glance, image_id, timeout, want_tasks):
    """Wait until the image has at least want_tasks tasks, all finished, no store is still
    being imported to, and the import lock (os_glance_import_task) is dropped. The image turns
    active before its glance-direct task ends (a new import then answers 409 "Image has active
    task"), and a task is marked finished before its flow drops the lock: an import sent in
    between races that write (with sqlite: "database is locked")."""
    deadline = time.monotonic() + timeout
    while True:
        tasks = get_json(f"{glance}/v2/images/{image_id}/tasks", "GET image tasks")["tasks"]
        img = image(glance, image_id)
        done = len(tasks) >= want_tasks and all(t["status"] in TASK_DONE for t in tasks)
        if done and not img.get("os_glance_importing_to_stores") \
                and not img.get("os_glance_import_task"):
            return img, tasks
        if time.monotonic() > deadline:
            raise Fail(f"tasks not finished after {timeout}s: "
                       f"{[(t['id'], t['status']) for t in tasks]}, image status "
                       f"{img['status']}, importing {img.get('os_glance_importing_to_stores')!r}, "
                       f"lock {img.get('os_glance_import_task')!r}")
        time.sleep(0.1)


# --- rbd -----------------------------------------------------------------------

def rbd(conf, *args, binary=False):
    cmd = ["rbd", "-c", conf, "--id", "admin", *args]
    p = subprocess.run(cmd, capture_output=True)
    if p.returncode != 0:
        raise Fail(f"`{' '.join(cmd)}` exited {p.returncode}: {p.stderr.decode().strip()[-400:]}")
    return p.stdout if binary else p.stdout.decode()


def rbd_ls(conf, pool):
    return json.loads(rbd(conf, "-p", pool, "ls", "-l", "--format", "json") or "[]")


def rbd_names(conf, pool):
    return json.loads(rbd(conf, "-p", pool, "ls", "--format", "json") or "[]")


# --- steps ---------------------------------------------------------------------

class Run:
    def __init__(self, a):
        self.a = a
        self.glance = a.glance.rstrip("/")
        self.stores = {s[0]: {"conf": s[1], "fsid": s[2]} for s in a.store}
        check(a.default in self.stores, f"--default {a.default} is not a --store")
        self.edges = {e[0]: e[1].rstrip("/") for e in (a.edge or [])}
        self.novas = {n[0]: n[1] for n in (a.nova_conf or [])}
        self.edge_stores = {e[0]: [x for x in e[1].split(",") if x] for e in (a.edge_stores or [])}
        for site, ids in self.edge_stores.items():
            check(site in self.edges, f"--edge-stores {site}: not an --edge")
            check(set(ids) <= set(self.stores), f"--edge-stores {site}: {ids} not all --store")
        others = [s for s in self.stores if s != a.default]
        first = next(iter(self.edges), others[0] if others else a.default)
        self.import_to = a.import_stores.split(",") if a.import_stores else \
            [a.default] + ([first] if first != a.default else [])
        if a.broken_store:
            check(a.broken_store in self.stores, f"--broken-store {a.broken_store} is not a --store")
            self.import_to = [s for s in self.import_to if s != a.broken_store]
            self.copy_to = [a.broken_store]
        else:
            self.copy_to = a.copy_stores.split(",") if a.copy_stores else \
                [s for s in self.stores if s not in self.import_to]
        self.healthy = [s for s in self.stores if s != a.broken_store]
        self.cow_site = a.cow_site or first
        self.data = random.Random(a.seed).randbytes(a.size)
        self.md5 = hashlib.md5(self.data).hexdigest()
        self.image_id = None
        self.ntasks = 0
        self.clone = None

    # stores
    def check_store_list(self, url, want_ids, want_default):
        doc = get_json(f"{url}/v2/info/stores", "GET /v2/info/stores")
        ids = [s["id"] for s in doc["stores"]]
        check(sorted(ids) == sorted(want_ids), f"{url}: stores {ids}, want {sorted(want_ids)}")
        defaults = [s["id"] for s in doc["stores"] if str(s.get("default")).lower() == "true"]
        check(defaults == [want_default], f"{url}: default marked on {defaults}, want [{want_default}]")
        return f"{','.join(ids)} (default {want_default})"

    def stores_step(self):
        return self.check_store_list(self.glance, list(self.stores), self.a.default)

    def check_detail(self, url, ids):
        doc = get_json(f"{url}/v2/info/stores/detail", "GET /v2/info/stores/detail")
        by_id = {s["id"]: s for s in doc["stores"]}
        out = []
        for sid in ids:
            s = by_id.get(sid)
            check(s is not None, f"{url}: store {sid} missing from detail")
            check(s.get("type") == "rbd", f"{url}: store {sid} type {s.get('type')!r}, want rbd")
            fsid = (s.get("properties") or {}).get("fsid")
            if sid == self.a.broken_store:
                check(fsid is None, f"{url}: broken store {sid} reports fsid {fsid}, want null")
                out.append(f"{sid}=null")
            else:
                want = self.stores[sid]["fsid"]
                check(fsid == want, f"{url}: store {sid} fsid {fsid}, want {want}")
                out.append(f"{sid}={fsid[:8]}")
        return " ".join(out)

    def detail_step(self):
        return self.check_detail(self.glance, list(self.stores))

    def edge_stores_step(self):
        out = []
        for site, url in self.edges.items():
            want = self.edge_stores.get(site) or \
                [site] + ([self.a.default] if self.a.default != site else [])
            out.append(self.check_store_list(url, want, site))
            self.check_detail(url, want)
        return "; ".join(out)

    # image
    def create_step(self):
        body = {"name": f"dcnc-e2e-{uuid.uuid4().hex[:8]}", "disk_format": "raw",
                "container_format": "bare"}
        status, doc = http("POST", f"{self.glance}/v2/images", body)
        doc = expect(status, doc, 201, "POST /v2/images")
        self.image_id = doc["id"]
        check(doc["status"] == "queued", f"new image status {doc['status']}")
        return self.image_id

    def stage_step(self):
        status, doc = http("PUT", f"{self.glance}/v2/images/{self.image_id}/stage", self.data,
                           "application/octet-stream")
        expect(status, doc, 204, "PUT stage")
        img = image(self.glance, self.image_id)
        check(img["status"] == "uploading", f"status after stage {img['status']}, want uploading")
        return f"{len(self.data)} bytes, md5 {self.md5}"

    def do_import(self, method, stores, want_status=202):
        body = {"method": {"name": method}, "stores": stores, "all_stores_must_succeed": True}
        status, doc = http("POST", f"{self.glance}/v2/images/{self.image_id}/import", body)
        expect(status, doc, want_status, f"{method} import into {stores}")
        if want_status == 202:
            self.ntasks += 1
        return doc

    def import_step(self):
        self.do_import("glance-direct", self.import_to)
        img, tasks = wait_tasks(self.glance, self.image_id, self.a.timeout, self.ntasks)
        check(img["status"] == "active", f"image {img['status']} after glance-direct")
        check(all(t["status"] == "success" for t in tasks), f"tasks {tasks}")
        got = image_stores(img)
        check(got == set(self.import_to), f"stores {sorted(got)}, want {sorted(self.import_to)}")
        check(img.get("checksum") == self.md5, f"checksum {img.get('checksum')} != {self.md5}")
        return f"glance-direct into {','.join(self.import_to)}"

    def copy_step(self):
        if not self.copy_to:
            return "nothing to copy (every store imported)"
        self.do_import("copy-image", self.copy_to)
        img, tasks = wait_tasks(self.glance, self.image_id, self.a.timeout, self.ntasks)
        failed = [s for s in (img.get("os_glance_failed_import") or "").split(",") if s]
        check(not failed, f"os_glance_failed_import = {failed}")
        check(set(self.copy_to) <= image_stores(img), f"stores {img.get('stores')} lack {self.copy_to}")
        return f"copy-image into {','.join(self.copy_to)}"

    def copy_fails_step(self):
        broken = self.a.broken_store
        self.do_import("copy-image", [broken])
        img, _ = wait_tasks(self.glance, self.image_id, self.a.timeout, self.ntasks)
        failed = [s for s in (img.get("os_glance_failed_import") or "").split(",") if s]
        check(broken in failed, f"os_glance_failed_import = {failed}, want {broken} in it")
        check(broken not in image_stores(img), f"stores {img.get('stores')} has {broken}")
        check(img["status"] == "active", f"image {img['status']}, want still active")
        return f"os_glance_failed_import={','.join(failed)}; stores={img.get('stores')}"

    def image_stores_step(self):
        img = image(self.glance, self.image_id)
        got = image_stores(img)
        check(got == set(self.stores), f"stores {img.get('stores')!r}, want {sorted(self.stores)}")
        return f"stores = {img.get('stores')}"

    def locations_step(self):
        img = image(self.glance, self.image_id)
        locs = img.get("locations")
        check(locs is not None, "no `locations` in image (show_multiple_locations off?)")
        by_store = {l["metadata"].get("store"): l["url"] for l in locs}
        for sid in self.stores:
            want = f"rbd://{self.stores[sid]['fsid']}/images/{self.image_id}/snap"
            check(by_store.get(sid) == want, f"location of {sid} {by_store.get(sid)}, want {want}")
        return f"{len(locs)} rbd://<fsid>/images/<id>/snap locations"

    # rbd
    def rbd_images_step(self):
        for sid in self.stores:
            rows = rbd_ls(self.stores[sid]["conf"], "images")
            imgs = [r for r in rows if r.get("image") == self.image_id and "snapshot" not in r]
            snaps = [r for r in rows if r.get("image") == self.image_id and r.get("snapshot") == "snap"]
            check(imgs, f"{sid}: images pool lacks {self.image_id}: {rows}")
            check(snaps, f"{sid}: images pool lacks {self.image_id}@snap: {rows}")
            check(str(snaps[0].get("protected")).lower() == "true", f"{sid}: @snap not protected: {snaps[0]}")
            check(imgs[0].get("size") == len(self.data), f"{sid}: size {imgs[0].get('size')} != {len(self.data)}")
        return f"<id> and protected <id>@snap in {','.join(self.stores)}"

    def rbd_md5_step(self):
        for sid in self.stores:
            raw = rbd(self.stores[sid]["conf"], "export", f"images/{self.image_id}@snap", "-", binary=True)
            got = hashlib.md5(raw).hexdigest()
            check(got == self.md5, f"{sid}: read back {len(raw)} bytes md5 {got}, uploaded {self.md5}")
        return f"md5 {self.md5} in {','.join(self.stores)}"

    def cow_step(self):
        site = self.cow_site
        conf = self.stores[site]["conf"]
        self.clone = f"{uuid.uuid4()}_disk"
        rbd(conf, "clone", f"images/{self.image_id}@snap", f"vms/{self.clone}")
        rows = rbd_ls(conf, "vms")
        row = next((r for r in rows if r.get("image") == self.clone), None)
        check(row is not None, f"{site}: vms lacks {self.clone}: {rows}")
        parent = row.get("parent") or {}
        got = f"{parent.get('pool')}/{parent.get('image')}@{parent.get('snapshot')}"
        want = f"images/{self.image_id}@snap"
        check(got == want, f"{site}: vms/{self.clone} parent {got}, want {want}")
        if self.a.verbose:
            print(rbd(conf, "-p", "vms", "ls", "-l"), end="")
        return f"{site}: vms/{self.clone} PARENT {got}"

    def nova_step(self):
        check(self.novas, "no --nova-conf given")
        out = []
        for site, path in self.novas.items():
            cp = configparser.ConfigParser(interpolation=None)
            cp.read(path)
            # The Glance Nova asks, as nova.image.glance.get_api_servers picks it: [glance]
            # api_servers where set (deprecated, but it wins), else the keystoneauth endpoint,
            # endpoint_override.
            if cp.has_option("glance", "api_servers"):
                option = "api_servers"
                servers = [s.strip().rstrip("/") for s in cp.get("glance", "api_servers").split(",") if s.strip()]
            else:
                check(cp.has_option("glance", "endpoint_override"), f"{path}: no [glance] endpoint_override or api_servers")
                option = "endpoint_override"
                servers = [cp.get("glance", "endpoint_override").strip().rstrip("/")]
            check(servers and all(servers), f"{path}: empty {option}")
            for url in servers:
                check(url != self.glance, f"{site}: nova {option} {url} is the central Glance")
                if site in self.edges:
                    check(url == self.edges[site], f"{site}: nova {option} {url} is not the {site} Glance {self.edges[site]}")
                doc = get_json(f"{url}/v2/info/stores", f"GET {url}/v2/info/stores")
                default = [s["id"] for s in doc["stores"] if str(s.get("default")).lower() == "true"]
                check(default == [site], f"{site}: Glance at {url} has default {default}, want [{site}]")
                # What nova's rbd driver reads at boot: a location in the local cluster.
                img = image(url, self.image_id)
                want = f"rbd://{self.stores[site]['fsid']}/images/{self.image_id}/snap"
                urls = [l["url"] for l in img.get("locations") or []]
                check(want in urls, f"{site}: image via {url} lacks local location {want}: {urls}")
                out.append(f"{site} -> {url} ({option}; default {site}, local location ok)")
        return "; ".join(out)

    def reimport_step(self):
        target = self.copy_to[0] if self.copy_to else self.import_to[0]
        doc = self.do_import("copy-image", [target], want_status=400)
        return f"copy-image into {target} again: 400 {str(doc)[:80]!r}"

    def redirect_step(self):
        status, doc = http("POST", f"{self.glance}/v2/images/{self.image_id}/import",
                           {"method": {"name": "glance-direct"}, "stores": [self.a.default]})
        expect(status, doc, 409, "glance-direct on an active image")
        return "glance-direct on active image: 409"

    def delete_step(self):
        if self.clone:
            rbd(self.stores[self.cow_site]["conf"], "rm", "--no-progress", f"vms/{self.clone}")
        status, doc = http("DELETE", f"{self.glance}/v2/images/{self.image_id}")
        expect(status, doc, 204, "DELETE image")
        status, doc = http("GET", f"{self.glance}/v2/images/{self.image_id}")
        expect(status, doc, 404, "GET deleted image")
        return f"clone {self.clone} removed, image deleted" if self.clone else "image deleted"

    def empty_step(self):
        deadline = time.monotonic() + self.a.timeout
        while True:
            left = {sid: rbd_names(self.stores[sid]["conf"], "images") for sid in self.healthy}
            if self.clone:
                left[f"{self.cow_site}/vms"] = rbd_names(self.stores[self.cow_site]["conf"], "vms")
            left = {k: v for k, v in left.items() if v}
            if not left:
                return f"images pool empty in {','.join(self.healthy)}"
            if time.monotonic() > deadline:
                raise Fail(f"not empty: {left}")
            time.sleep(0.1)


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--glance", required=True, help="central Glance URL")
    p.add_argument("--store", nargs=3, action="append", required=True,
                   metavar=("ID", "ADMIN_CONF", "FSID"), help="a store of the central Glance")
    p.add_argument("--default", required=True, help="the central Glance's default store")
    p.add_argument("--edge", nargs=2, action="append", metavar=("SITE", "URL"),
                   help="an edge Glance whose default store is SITE")
    p.add_argument("--edge-stores", nargs=2, action="append", metavar=("SITE", "IDS"),
                   help="stores the SITE Glance must list, comma-separated (default: SITE and --default)")
    p.add_argument("--nova-conf", nargs=2, action="append", metavar=("SITE", "PATH"),
                   help="nova.conf of SITE; the Glance its [glance] api_servers, else endpoint_override, names must be its own")
    p.add_argument("--import-stores", help="glance-direct targets (default: default + first edge)")
    p.add_argument("--copy-stores", help="copy-image targets (default: the other stores)")
    p.add_argument("--cow-site", help="site for the rbd clone (default: first edge)")
    p.add_argument("--broken-store", help="negative run: this store has a wrong rbd_store_user")
    p.add_argument("--size", type=int, default=3 * 1024 * 1024 + 12345, help="image bytes")
    p.add_argument("--seed", type=int, default=20261125)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per wait")
    p.add_argument("--http-timeout", type=float, default=120.0, help="seconds per HTTP request")
    p.add_argument("-v", "--verbose", action="store_true")
    return p.parse_args(argv)


def main(argv):
    a = parse(argv)
    HTTP_TIMEOUT[0] = a.http_timeout
    s = Steps()
    try:
        r = Run(a)
    except Fail as e:
        print(f"FAIL arguments: {e}")
        return 2
    s.run("stores", r.stores_step)
    s.run("stores-detail", r.detail_step)
    if a.broken_store:
        s.run("create", r.create_step)
        s.run("stage", r.stage_step)
        s.run("import", r.import_step)
        s.run("copy-image-fails", r.copy_fails_step)
        s.run("delete", r.delete_step)
        s.run("pools-empty", r.empty_step)
    else:
        if r.edges:
            s.run("edge-stores", r.edge_stores_step)
        s.run("create", r.create_step)
        s.run("stage", r.stage_step)
        s.run("import", r.import_step)
        s.run("copy-image", r.copy_step)
        s.run("image-stores", r.image_stores_step)
        s.run("locations", r.locations_step)
        s.run("rbd-images", r.rbd_images_step)
        s.run("rbd-md5", r.rbd_md5_step)
        s.run("cow-clone", r.cow_step)
        if r.novas:
            s.run("nova-glance", r.nova_step)
        s.run("reimport-400", r.reimport_step)
        s.run("reimport-409", r.redirect_step)
        s.run("delete", r.delete_step)
        s.run("pools-empty", r.empty_step)
    print(f"acceptance passed ({time.monotonic() - s.t0:.2f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
