// Validates SealedSecret manifests against the npm package
// `@kubernetes-models/sealed-secrets` (the schema generated from the controller's Go
// types), after reading them with the npm package `yaml` in YAML 1.1 mode, as kubectl's
// Go YAML reader reads them (so an unquoted `true` or `on` is a boolean, not a string).
//
// usage: node validate_sealed.mjs NPM_PREFIX FILE...
//
// NPM_PREFIX is the folder `npm install --prefix` filled. Every document of every FILE
// must be a `bitnami.com/v1alpha1` SealedSecret that the model validates, with no field
// the Go types (pkg/apis/sealedsecrets/v1alpha1/types.go) do not have, which
// `kubectl apply --validate=strict` would refuse and the model lets pass. Prints one line
// per document and exits 1 if any failed.

import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [prefix, ...files] = process.argv.slice(2);
if (!prefix || files.length === 0) {
  console.error("usage: node validate_sealed.mjs NPM_PREFIX FILE...");
  process.exit(2);
}
const YAML = createRequire(join(prefix, "package.json"))("yaml");
const { SealedSecret } = await import(
  pathToFileURL(
    join(prefix, "node_modules/@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1/SealedSecret.js"),
  ).href
);

// The fields of each object of the Go types, by path; metadata is ObjectMeta, which the
// model checks itself.
const FIELDS = {
  "": ["apiVersion", "kind", "metadata", "spec", "status"],
  spec: ["template", "data", "encryptedData"],
  "spec.template": ["metadata", "type", "immutable", "data"],
};

function unknownFields(doc) {
  const found = [];
  for (const [path, known] of Object.entries(FIELDS)) {
    let obj = doc;
    for (const part of path ? path.split(".") : []) obj = obj?.[part];
    if (obj && typeof obj === "object" && !Array.isArray(obj)) {
      for (const k of Object.keys(obj)) {
        if (!known.includes(k)) found.push(path ? `${path}.${k}` : k);
      }
    }
  }
  return found;
}

let failed = 0;
for (const file of files) {
  const docs = YAML.parseAllDocuments(readFileSync(file, "utf8"), { version: "1.1" });
  docs.forEach((d, i) => {
    const where = `${file}#${i}`;
    const problems = d.errors.map((e) => e.message);
    const doc = problems.length ? null : d.toJS();
    if (doc && !SealedSecret.is(doc)) {
      problems.push(`not a ${SealedSecret.apiVersion} ${SealedSecret.kind}`);
    }
    if (doc) {
      try {
        new SealedSecret(doc).validate();
      } catch (e) {
        problems.push(e.message);
      }
      for (const f of unknownFields(doc)) problems.push(`unknown field \`${f}\``);
    }
    if (problems.length) {
      failed++;
      console.log(`invalid ${where}: ${problems.join("; ")}`);
    } else {
      console.log(`valid ${where}`);
    }
  });
  if (docs.length === 0) {
    failed++;
    console.log(`invalid ${file}: no document`);
  }
}
process.exit(failed ? 1 : 0);
