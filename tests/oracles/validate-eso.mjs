// Validates the Kubernetes manifests phib writes for the External Secrets Operator.
//
// usage: node tests/oracles/validate-eso.mjs FILE...
//
// Every document of every FILE (YAML 1.1, as Kubernetes' Go readers take it; JSON is
// YAML too) is validated with the validators of the npm package
// `@kubernetes-models/external-secrets` 2.0.0 (MIT; generated from the operator's API
// types, which its CRDs are generated from too), and for `v1` ServiceAccounts with
// those of `kubernetes-models` (MIT; from Kubernetes' OpenAPI). scripts/test installs
// them into target/tools/npm.
//
// Unknown fields are refused, as `kubectl apply --validate=strict` and the API server's
// field validation refuse them. The package's validators accept any extra property, so
// each field is probed: replaced in turn by a value of every JSON type, a field that no
// replacement makes invalid is one the schema does not know. A kind not listed in KINDS
// is an error. Beyond the schemas, the API server's rule for names (`metadata.name` an
// RFC 1123 subdomain) and phib's own rule (every document names its namespace, so
// applying it does not depend on kubectl's context) hold.
//
// Prints one line per document, `ok FILE: KIND NAME` or
// `FAIL FILE: KIND NAME: PATH: MESSAGE`; exits 1 if any failed, 3 when the npm packages
// are missing (run ./scripts/test).

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const modules = join(dirname(fileURLToPath(import.meta.url)), "../../target/tools/npm/node_modules");
// A missing package is the oracle's failure (exit 3), never a document's.
async function load(path) {
  try {
    return await import(pathToFileURL(join(modules, path)).href);
  } catch (e) {
    if (e.code !== "ERR_MODULE_NOT_FOUND") throw e;
    console.error(`oracle missing: ${path} (${e.message}): run ./scripts/test, which installs it`);
    process.exit(3);
  }
}

// apiVersion and kind -> the module of the package's model for it.
const ESO = "@kubernetes-models/external-secrets";
const KINDS = {
  "external-secrets.io/v1 ExternalSecret": `${ESO}/external-secrets.io/v1/ExternalSecret.js`,
  "generators.external-secrets.io/v1alpha1 ACRAccessToken": `${ESO}/generators.external-secrets.io/v1alpha1/ACRAccessToken.js`,
  "generators.external-secrets.io/v1alpha1 ECRAuthorizationToken": `${ESO}/generators.external-secrets.io/v1alpha1/ECRAuthorizationToken.js`,
  "generators.external-secrets.io/v1alpha1 GCRAccessToken": `${ESO}/generators.external-secrets.io/v1alpha1/GCRAccessToken.js`,
  "generators.external-secrets.io/v1alpha1 GithubAccessToken": `${ESO}/generators.external-secrets.io/v1alpha1/GithubAccessToken.js`,
  "generators.external-secrets.io/v1alpha1 QuayAccessToken": `${ESO}/generators.external-secrets.io/v1alpha1/QuayAccessToken.js`,
  "v1 ServiceAccount": "kubernetes-models/v1/ServiceAccount.js",
};

/// The errors of `doc` under `Model`'s validator, as `path: message` strings.
function errors(Model, doc) {
  try {
    new Model(doc).validate();
    return [];
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    return e.errors.map((x) => {
      const allowed = x.params?.allowedValues ? ` ${JSON.stringify(x.params.allowedValues)}` : "";
      return `${x.instancePath || "/"}: ${x.message ?? x.keyword}${allowed}`;
    });
  }
}

// RFC 1123 subdomain: what the API server takes as the name of these kinds.
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/// The API server's name rule and phib's namespace rule.
function metadataRules(doc) {
  const { name, namespace } = doc.metadata ?? {};
  const out = [];
  if (typeof name !== "string" || name.length > 253 || !NAME.test(name))
    out.push(`/metadata/name: must be a lowercase RFC 1123 subdomain, not ${JSON.stringify(name)}`);
  if (typeof namespace !== "string" || namespace === "")
    out.push("/metadata/namespace: missing (phib names the namespace of every document)");
  return out;
}

// Values of every JSON type: a field the schema knows refuses at least one of them.
const PROBES = [true, 1.5, "phib-probe", [], { "phib-probe": 1 }];

/// The paths of the fields of `doc` that the schema does not know.
function unknownFields(Model, doc) {
  const base = new Set(errors(Model, doc));
  const found = [];
  const walk = (node, path) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, i]));
      return;
    }
    if (node === null || typeof node !== "object") return;
    for (const key of Object.keys(node)) {
      const kept = node[key];
      const known = PROBES.some((probe) => {
        node[key] = probe;
        return errors(Model, doc).some((e) => !base.has(e));
      });
      node[key] = kept;
      if (known) walk(kept, [...path, key]);
      else found.push([...path, key].join("/"));
    }
  };
  walk(doc, []);
  return found;
}

const { parseAllDocuments } = await load("yaml/dist/index.js");

let failed = 0;
for (const file of process.argv.slice(2)) {
  const parsed = parseAllDocuments(readFileSync(file, "utf8"), { version: "1.1" });
  const docs = [];
  let broken = false;
  for (const d of parsed) {
    if (d.errors.length) {
      console.log(`FAIL ${file}: not YAML: ${d.errors[0].message}`);
      failed++;
      broken = true;
      continue;
    }
    const js = d.toJS();
    if (js !== null && js !== undefined) docs.push(js);
  }
  if (!docs.length && !broken) {
    console.log(`FAIL ${file}: no documents`);
    failed++;
  }
  for (const doc of docs) {
    const label = `${file}: ${doc.kind ?? "?"} ${doc.metadata?.name ?? "?"}`;
    const module = KINDS[`${doc.apiVersion} ${doc.kind}`];
    if (!module) {
      console.log(`FAIL ${label}: ${doc.apiVersion} ${doc.kind} is not a kind this oracle knows`);
      failed++;
      continue;
    }
    const Model = (await load(module))[doc.kind];
    const problems = [
      ...errors(Model, doc),
      ...metadataRules(doc),
      ...unknownFields(Model, doc).map((p) => `/${p}: unknown field`),
    ];
    if (problems.length) {
      failed++;
      for (const p of problems) console.log(`FAIL ${label}: ${p}`);
    } else {
      console.log(`ok ${label}`);
    }
  }
}
process.exit(failed ? 1 : 0);
