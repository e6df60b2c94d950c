// Validates Kubernetes objects offline against the API schemas that the kubernetes-models packages
// carry (core and apps from kubernetes-models, ServiceMonitor from
// @kubernetes-models/prometheus-operator, Cilium's CRDs from @kubernetes-models/cilium).
// Reads {"objects": [...]} as JSON on stdin, prints one JSON result per object on stdout:
//   {"index": 0, "kind": "...", "name": "...", "errors": ["..."]}
// An object passes when its errors are empty. Run from the folder holding node_modules (the test
// copies this file there), since ES module imports resolve from the importing file's folder.
//
// The models' schemas accept any unknown field, which the API server (strict field validation)
// refuses and older servers silently drop: a typo such as readOnlyRootFileSystem would pass. So the
// object is also handed to the validator behind a Proxy that records which fields each validator
// function reads. The generated validators test every field their schema knows by name, and walk
// the keys of maps (labels, ConfigMap data) instead; a field of a non-map object that was never
// read is one the schema does not know.

const modules = {
  "": (version) => `kubernetes-models/${version}`,
  apps: (version) => `kubernetes-models/apps/${version}`,
  policy: (version) => `kubernetes-models/policy/${version}`,
  "networking.k8s.io": (version) => `kubernetes-models/networking.k8s.io/${version}`,
  "monitoring.coreos.com": (version) =>
    `@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}`,
  "cilium.io": (version) => `@kubernetes-models/cilium/cilium.io/${version}`,
};

async function modelFor(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const path = modules[group];
  if (!path) return null;
  let module;
  try {
    module = await import(path(version));
  } catch (e) {
    return null;
  }
  return module[kind] ?? null;
}

function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// Wraps `root` so that every object reached through it records the keys read and whether its keys
// were listed. Each underlying object gets one proxy and one record.
function tracked(root) {
  const records = new Map();  // object -> {path, read: Set, listed: bool}
  const proxies = new WeakMap();
  function wrap(value, path) {
    if (value === null || typeof value !== "object") return value;
    if (proxies.has(value)) return proxies.get(value);
    const record = {path, read: new Set(), listed: false};
    records.set(value, record);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        const child = Reflect.get(target, key, receiver);
        if (typeof key !== "string") return child;
        record.read.add(key);
        if (!Object.prototype.hasOwnProperty.call(target, key)) return child;
        return wrap(child, Array.isArray(target) ? `${path}[${key}]` : `${path}.${key}`);
      },
      has(target, key) {
        if (typeof key === "string") record.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        record.listed = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  }
  return {proxy: wrap(root, ""), records};
}

function unknownFields(records) {
  const unknown = [];
  for (const [object, record] of records) {
    if (!isPlainObject(object) || record.listed) continue;
    for (const key of Object.keys(object))
      if (!record.read.has(key)) unknown.push(`${record.path}.${key}`.replace(/^\./, ""));
  }
  return unknown;
}

async function check(object) {
  const errors = [];
  const apiVersion = object?.apiVersion ?? "";
  const kind = object?.kind ?? "";
  const Model = await modelFor(apiVersion, kind);
  if (!Model) return [`no schema model for ${apiVersion} ${kind}`];
  // The model's own copy, so that what is checked is what the model holds; then the Proxy.
  const model = new Model(object);
  try {
    model.validate();
  } catch (e) {
    errors.push(e.message);
  }
  const {proxy, records} = tracked(model.toJSON());
  try {
    Model.prototype.validate.call(proxy);
  } catch (e) {
    // Already reported above.
  }
  for (const field of unknownFields(records)) errors.push(`unknown field ${field}`);
  return errors;
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const {objects} = JSON.parse(Buffer.concat(chunks).toString("utf8"));
let index = 0;
for (const object of objects) {
  const errors = await check(object);
  console.log(JSON.stringify({index, kind: object?.kind, name: object?.metadata?.name, errors}));
  index += 1;
}
