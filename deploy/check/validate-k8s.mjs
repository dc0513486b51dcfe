// Schema and consistency check of rendered Kubernetes manifests
// (scripts/check-deploy.sh runs it on `kubectl kustomize` output).
//
//   node deploy/check/validate-k8s.mjs [--external-secret NAME]... FILE...
//
// For every object in every FILE (multi-document YAML):
//   1. apiVersion/kind must be a built-in Kubernetes type that the pinned
//      kubernetes-models package knows; an unknown kind is an error.
//   2. The object is validated against that type's JSON schema (types,
//      required fields, enums, formats).
//   3. Fields that the schema does not define are errors. The generated
//      validators ignore unknown properties, so the check watches which
//      properties a validator reads (a Proxy around the object): a property
//      of a typed object that the validator never looked at is unknown.
//      Objects the validator enumerates (maps such as labels) or never
//      enters (free-form fields) are not judged.
// Then, across the objects of one FILE:
//   4. references resolve: ConfigMaps and Secrets named by pods (Secrets
//      may instead be declared external with --external-secret), the
//      ServiceAccount, the HPA's target, named container ports used by
//      probes and Services;
//   5. selectors select: a Deployment's selector matches its own template;
//      Services and PodDisruptionBudgets select some pod template;
//   6. enterprise-catalog rules: serve/work containers have liveness
//      /healthz and readiness /readyz probes on port 9464, and a serve
//      container's pod has terminationGracePeriodSeconds greater than its
//      preStop sleep plus ENTERPRISE_CATALOG_SHUTDOWN_GRACE_SECONDS.
// Exits 1 if anything failed, 2 on a usage error.

import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const args = process.argv.slice(2);
const externalSecrets = new Set();
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--external-secret" && i + 1 < args.length) {
    externalSecrets.add(args[++i]);
  } else if (args[i].startsWith("--")) {
    console.error(`validate-k8s: unknown option ${args[i]}`);
    process.exit(2);
  } else {
    files.push(args[i]);
  }
}
if (files.length === 0) {
  console.error(
    "usage: validate-k8s.mjs [--external-secret NAME]... FILE...",
  );
  process.exit(2);
}

// The default of ENTERPRISE_CATALOG_SHUTDOWN_GRACE_SECONDS (server/settings.cc;
// `enterprise-catalog --help` shows it).
const kDefaultShutdownGraceSeconds = 15;
const kMetricsPort = 9464;

let failures = 0;

// ---------------------------------------------------------------------------
// Schema validation with unknown-field detection.

function escapePointer(key) {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

// Wraps `value` so that every property read, `in` test and key enumeration
// is recorded in `log`, one entry per object or array reached.
function track(value, path, log) {
  if (value === null || typeof value !== "object") return value;
  const node = { path, value, read: new Set(), enumerated: false };
  log.push(node);
  const children = new Map();
  return new Proxy(value, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof prop !== "string") return v;
      node.read.add(prop);
      if (
        v === null ||
        typeof v !== "object" ||
        !Object.prototype.hasOwnProperty.call(target, prop)
      ) {
        return v;
      }
      if (!children.has(prop)) {
        children.set(prop, track(v, `${path}/${escapePointer(prop)}`, log));
      }
      return children.get(prop);
    },
    has(target, prop) {
      if (typeof prop === "string") node.read.add(prop);
      return Reflect.has(target, prop);
    },
    ownKeys(target) {
      node.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

const modelModules = new Map();

async function modelClass(apiVersion, kind) {
  // "apps/v1" -> kubernetes-models/apps/v1; "v1" (core) -> kubernetes-models/v1.
  if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion)) {
    return null;
  }
  if (!modelModules.has(apiVersion)) {
    let mod = null;
    try {
      mod = await import(`kubernetes-models/${apiVersion}`);
    } catch {
      mod = null;
    }
    modelModules.set(apiVersion, mod);
  }
  const mod = modelModules.get(apiVersion);
  const cls = mod && Object.prototype.hasOwnProperty.call(mod, kind) ? mod[kind] : null;
  if (
    typeof cls !== "function" ||
    cls.apiVersion !== apiVersion ||
    cls.kind !== kind ||
    typeof cls.prototype.validate !== "function"
  ) {
    return null;
  }
  return cls;
}

async function validateSchema(obj) {
  const problems = [];
  const cls = await modelClass(String(obj.apiVersion), String(obj.kind));
  if (cls === null) {
    return [
      `unknown apiVersion/kind ${obj.apiVersion}/${obj.kind} (not a built-in ` +
        `Kubernetes type known to kubernetes-models)`,
    ];
  }
  const log = [];
  const proxied = track(obj, "", log);
  try {
    // The model's validate() runs the schema's validator on `this`.
    cls.prototype.validate.call(proxied);
  } catch (e) {
    if (Array.isArray(e.errors)) {
      for (const err of e.errors) {
        problems.push(
          `schema: ${err.instancePath || "/"} ${err.message}` +
            (err.params && Object.keys(err.params).length
              ? ` ${JSON.stringify(err.params)}`
              : ""),
        );
      }
    } else {
      problems.push(`schema: ${e.message}`);
    }
  }
  for (const node of log) {
    if (Array.isArray(node.value) || node.enumerated || node.read.size === 0) {
      continue;
    }
    for (const key of Object.keys(node.value)) {
      if (!node.read.has(key)) {
        problems.push(
          `schema: ${node.path}/${escapePointer(key)} is not a field of ` +
            `${obj.apiVersion} ${obj.kind}`,
        );
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Consistency checks across one rendered file.

function podTemplate(obj) {
  if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].includes(obj.kind)) {
    return obj.spec?.template;
  }
  if (obj.kind === "Job") return obj.spec?.template;
  if (obj.kind === "CronJob") return obj.spec?.jobTemplate?.spec?.template;
  if (obj.kind === "Pod") return obj;
  return undefined;
}

function labelsMatch(matchLabels, labels) {
  const entries = Object.entries(matchLabels ?? {});
  return (
    entries.length > 0 &&
    entries.every(([k, v]) => labels != null && labels[k] === v)
  );
}

function namespaceOf(obj) {
  return obj.metadata?.namespace ?? "";
}

function key(obj, kind, name) {
  return `${namespaceOf(obj)}|${kind}|${name}`;
}

function sleepSeconds(handler) {
  const command = handler?.exec?.command;
  if (!Array.isArray(command)) return 0;
  const i = command.findIndex((c) => /(^|\/)sleep$/.test(String(c)));
  if (i < 0 || i + 1 >= command.length) return 0;
  const n = Number(command[i + 1]);
  return Number.isFinite(n) ? n : 0;
}

function probeProblems(where, container, name, path) {
  const probe = container[name];
  if (!probe) return [`${where}: no ${name}`];
  const get = probe.httpGet;
  if (!get) return [`${where}: ${name} is not an httpGet probe`];
  const problems = [];
  if (get.path !== path) {
    problems.push(`${where}: ${name} path is ${get.path}, expected ${path}`);
  }
  let port = get.port;
  if (typeof port === "string") {
    port = (container.ports ?? []).find((p) => p.name === port)?.containerPort;
  }
  if (port !== kMetricsPort) {
    problems.push(
      `${where}: ${name} port is ${get.port}, expected ${kMetricsPort} (the metrics port)`,
    );
  }
  return problems;
}

function consistency(objects) {
  const problems = [];
  const byKey = new Set(
    objects.map((o) => key(o, o.kind, o.metadata?.name)),
  );
  const templates = objects
    .map((o) => ({ obj: o, tpl: podTemplate(o) }))
    .filter((t) => t.tpl);

  for (const { obj, tpl } of templates) {
    const id = `${obj.kind}/${obj.metadata?.name}`;
    const spec = tpl.spec ?? {};
    if (
      ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].includes(obj.kind) &&
      !labelsMatch(obj.spec?.selector?.matchLabels, tpl.metadata?.labels)
    ) {
      problems.push(`${id}: spec.selector does not match the template's labels`);
    }
    const sa = spec.serviceAccountName;
    if (sa && sa !== "default" && !byKey.has(key(obj, "ServiceAccount", sa))) {
      problems.push(`${id}: ServiceAccount ${sa} is not in the rendered output`);
    }
    const needConfigMap = (name, where) => {
      if (!byKey.has(key(obj, "ConfigMap", name))) {
        problems.push(`${id}: ${where} names ConfigMap ${name}, which is not rendered`);
      }
    };
    const needSecret = (name, where) => {
      if (!byKey.has(key(obj, "Secret", name)) && !externalSecrets.has(name)) {
        problems.push(
          `${id}: ${where} names Secret ${name}, which is neither rendered nor declared external`,
        );
      }
    };
    for (const v of spec.volumes ?? []) {
      if (v.configMap) needConfigMap(v.configMap.name, `volume ${v.name}`);
      if (v.secret) needSecret(v.secret.secretName, `volume ${v.name}`);
    }
    const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    for (const c of containers) {
      const where = `${id} container ${c.name}`;
      for (const from of c.envFrom ?? []) {
        if (from.configMapRef) needConfigMap(from.configMapRef.name, `${where} envFrom`);
        if (from.secretRef) needSecret(from.secretRef.name, `${where} envFrom`);
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom ?? {};
        if (ref.configMapKeyRef) needConfigMap(ref.configMapKeyRef.name, `${where} env ${e.name}`);
        if (ref.secretKeyRef) needSecret(ref.secretKeyRef.name, `${where} env ${e.name}`);
      }
      const portNames = new Set((c.ports ?? []).map((p) => p.name).filter(Boolean));
      for (const probeName of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        const port = c[probeName]?.httpGet?.port ?? c[probeName]?.tcpSocket?.port;
        if (typeof port === "string" && !portNames.has(port)) {
          problems.push(`${where}: ${probeName} uses port name ${port}, which the container does not declare`);
        }
      }
      const command = (c.args ?? [])[0];
      if (command === "serve" || command === "work" || command === "all") {
        problems.push(...probeProblems(where, c, "livenessProbe", "/healthz"));
        problems.push(...probeProblems(where, c, "readinessProbe", "/readyz"));
      }
      if (command === "serve" || command === "all") {
        let grace = kDefaultShutdownGraceSeconds;
        const fromEnv = (c.env ?? []).find(
          (e) => e.name === "ENTERPRISE_CATALOG_SHUTDOWN_GRACE_SECONDS" && e.value !== undefined,
        );
        if (fromEnv) {
          grace = Number(fromEnv.value);
        } else {
          for (const from of c.envFrom ?? []) {
            const cm = objects.find(
              (o) =>
                o.kind === "ConfigMap" &&
                o.metadata?.name === from.configMapRef?.name &&
                namespaceOf(o) === namespaceOf(obj),
            );
            const v = cm?.data?.ENTERPRISE_CATALOG_SHUTDOWN_GRACE_SECONDS;
            if (v !== undefined) grace = Number(v);
          }
        }
        const preStop = sleepSeconds(c.lifecycle?.preStop);
        const tgps = spec.terminationGracePeriodSeconds ?? 30;
        if (preStop <= 0) {
          problems.push(`${where}: no preStop sleep (endpoints must drain before SIGTERM)`);
        }
        if (!(tgps > preStop + grace)) {
          problems.push(
            `${where}: terminationGracePeriodSeconds ${tgps} must exceed preStop sleep ` +
              `${preStop} + ENTERPRISE_CATALOG_SHUTDOWN_GRACE_SECONDS ${grace}`,
          );
        }
      }
    }
  }

  for (const obj of objects) {
    const id = `${obj.kind}/${obj.metadata?.name}`;
    if (obj.kind === "Service" && obj.spec?.selector) {
      const selected = templates.filter(
        (t) =>
          namespaceOf(t.obj) === namespaceOf(obj) &&
          labelsMatch(obj.spec.selector, t.tpl.metadata?.labels),
      );
      if (selected.length === 0) {
        problems.push(`${id}: selector matches no pod template`);
      }
      for (const port of obj.spec.ports ?? []) {
        if (typeof port.targetPort !== "string") continue;
        for (const t of selected) {
          const named = (t.tpl.spec?.containers ?? []).some((c) =>
            (c.ports ?? []).some((p) => p.name === port.targetPort),
          );
          if (!named) {
            problems.push(
              `${id}: targetPort ${port.targetPort} is not a port name of ${t.obj.kind}/${t.obj.metadata?.name}`,
            );
          }
        }
      }
    }
    if (obj.kind === "PodDisruptionBudget") {
      const ok = templates.some(
        (t) =>
          namespaceOf(t.obj) === namespaceOf(obj) &&
          labelsMatch(obj.spec?.selector?.matchLabels, t.tpl.metadata?.labels),
      );
      if (!ok) problems.push(`${id}: selector matches no pod template`);
    }
    if (obj.kind === "HorizontalPodAutoscaler") {
      const ref = obj.spec?.scaleTargetRef ?? {};
      if (!byKey.has(key(obj, ref.kind, ref.name))) {
        problems.push(`${id}: scaleTargetRef ${ref.kind}/${ref.name} is not rendered`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------

for (const file of files) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    console.log(`FAIL ${file}: ${e.message}`);
    failures++;
    continue;
  }
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) console.log(`FAIL ${file}: YAML: ${err.message}`);
      failures++;
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    objects.push(obj);
  }
  if (objects.length === 0) {
    console.log(`FAIL ${file}: no objects`);
    failures++;
    continue;
  }
  console.log(`${file}: ${objects.length} objects`);
  for (const obj of objects) {
    const id = `${obj.apiVersion} ${obj.kind} ${namespaceOf(obj) ? namespaceOf(obj) + "/" : ""}${obj.metadata?.name}`;
    const problems = await validateSchema(obj);
    if (problems.length === 0) {
      console.log(`  ok   ${id}`);
    } else {
      console.log(`  FAIL ${id}`);
      for (const p of problems) console.log(`         ${p}`);
      failures++;
    }
  }
  const problems = consistency(objects);
  if (problems.length === 0) {
    console.log(`  ok   references, selectors, probes and shutdown timing`);
  } else {
    for (const p of problems) console.log(`  FAIL ${p}`);
    failures += problems.length;
  }
}

if (failures > 0) {
  console.log(`validate-k8s: ${failures} problem(s)`);
  process.exit(1);
}
console.log("validate-k8s: all objects valid");
